package dev.originproxy.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoding and verification of the RFC 5769 §2 sample messages. */
class StunMessageRfc5769Test {

    private static final int LEAD = 7;

    private final StunMessage message = new StunMessage();
    private final StunVerifier verifier = new StunVerifier();
    private final StunIntegrityKey key = StunIntegrityKey.shortTerm(StunVectors.PASSWORD);

    /** A message placed in a buffer, and the absolute index where it starts. */
    record Placed(ByteBuffer buffer, int offset) {
    }

    static Stream<Named<Function<byte[], Placed>>> placements() {
        return Stream.of(
                Named.of("heap buffer", b -> new Placed(ByteBuffer.wrap(b), 0)),
                Named.of("direct buffer", b -> {
                    ByteBuffer d = ByteBuffer.allocateDirect(b.length);
                    d.put(0, b);
                    return new Placed(d, 0);
                }),
                Named.of("heap buffer at an offset, little-endian order", b -> {
                    ByteBuffer h = ByteBuffer.allocate(LEAD + b.length + 5)
                            .order(ByteOrder.LITTLE_ENDIAN);
                    h.put(LEAD, b);
                    return new Placed(h, LEAD);
                }),
                Named.of("read-only direct buffer at an offset", b -> {
                    ByteBuffer d = ByteBuffer.allocateDirect(LEAD + b.length);
                    d.put(LEAD, b);
                    return new Placed(d.asReadOnlyBuffer(), LEAD);
                }));
    }

    private void wrap(Function<byte[], Placed> placement, String vector) {
        byte[] bytes = StunVectors.load(vector);
        Placed placed = placement.apply(bytes);
        assertThat(message.wrap(placed.buffer(), placed.offset(), bytes.length)).isTrue();
    }

    @ParameterizedTest
    @MethodSource("placements")
    void decodesRequestFields(Function<byte[], Placed> placement) {
        wrap(placement, StunVectors.REQUEST);

        assertThat(message.length()).isEqualTo(108);
        assertThat(message.messageType()).isEqualTo(StunMessageType.BINDING_REQUEST);
        assertThat(message.method()).isEqualTo(StunMethod.BINDING);
        assertThat(message.messageClass()).isEqualTo(StunClass.REQUEST);
        assertThat(message.isBindingRequest()).isTrue();
        assertThat(message.transactionIdEquals(StunVectors.TRANSACTION_ID, 0)).isTrue();
        assertThat(message.attributeText(message.findAttribute(StunAttribute.SOFTWARE)))
                .isEqualTo("STUN test client");
        assertThat(message.hasPriority()).isTrue();
        assertThat(message.priority()).isEqualTo(0x6e0001ff);
        assertThat(message.hasIceControlled()).isTrue();
        assertThat(message.iceControlled()).isEqualTo(0x932ff9b151263b36L);
        assertThat(message.hasIceControlling()).isFalse();
        assertThat(message.hasUseCandidate()).isFalse();
        assertThat(message.hasUsername()).isTrue();
        assertThat(message.username()).isEqualTo("evtj:h6vY");
        assertThat(message.usernameLength()).isEqualTo(9);
        assertThat(message.buffer().get(message.usernameOffset())).isEqualTo((byte) 'e');
        byte[] username = "xxevtj:h6vY".getBytes(StandardCharsets.US_ASCII);
        assertThat(message.usernameEquals(username, 2, 9)).isTrue();
        assertThat(message.usernameEquals(username, 2, 8)).isFalse();
        assertThat(message.usernameEquals(username, 0, 9)).isFalse();
        assertThat(message.hasMessageIntegrity()).isTrue();
        assertThat(message.hasMessageIntegritySha256()).isFalse();
        assertThat(message.hasFingerprint()).isTrue();
        assertThat(message.hasXorMappedAddress()).isFalse();
        assertThat(message.xorMappedAddress()).isNull();
        assertThat(message.hasErrorCode()).isFalse();
        assertThat(message.errorCode()).isEqualTo(-1);
        assertThat(message.buffer().getInt(message.fingerprintAttribute() + 4))
                .isEqualTo(message.buffer().order() == ByteOrder.BIG_ENDIAN
                        ? 0xe57a3bcf : Integer.reverseBytes(0xe57a3bcf));
    }

    @ParameterizedTest
    @MethodSource("placements")
    void iteratesEveryAttributeInWireOrder(Function<byte[], Placed> placement) {
        wrap(placement, StunVectors.REQUEST);
        StringBuilder seen = new StringBuilder();
        for (int at = message.firstAttribute(); at >= 0; at = message.nextAttribute(at)) {
            seen.append(Integer.toHexString(message.attributeType(at))).append('/')
                    .append(message.attributeLength(at)).append('@')
                    .append(message.attributeValueOffset(at) - message.offset()).append(' ');
        }
        assertThat(seen.toString().strip()).isEqualTo(
                "8022/16@24 24/4@44 8029/8@52 6/9@64 8/20@80 8028/4@104");
    }

    @ParameterizedTest
    @MethodSource("placements")
    void decodesIpv4ResponseFields(Function<byte[], Placed> placement) throws Exception {
        wrap(placement, StunVectors.RESPONSE_IPV4);

        assertThat(message.length()).isEqualTo(80);
        assertThat(message.messageType()).isEqualTo(StunMessageType.BINDING_SUCCESS_RESPONSE);
        assertThat(message.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(message.isBindingRequest()).isFalse();
        assertThat(message.transactionIdEquals(StunVectors.TRANSACTION_ID, 0)).isTrue();
        assertThat(message.attributeText(message.findAttribute(StunAttribute.SOFTWARE)))
                .isEqualTo("test vector");
        assertThat(message.hasUsername()).isFalse();
        assertThat(message.username()).isNull();
        assertThat(message.xorMappedAddressFamily()).isEqualTo(StunMessage.FAMILY_IPV4);
        assertThat(message.xorMappedPort()).isEqualTo(32853);
        byte[] ip = new byte[6];
        assertThat(message.copyXorMappedAddress(ip, 2)).isEqualTo(4);
        assertThat(ip).containsExactly(0, 0, 192, 0, 2, 1);
        assertThat(message.xorMappedAddress())
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853));
    }

    @ParameterizedTest
    @MethodSource("placements")
    void decodesIpv6ResponseFields(Function<byte[], Placed> placement) throws Exception {
        wrap(placement, StunVectors.RESPONSE_IPV6);

        assertThat(message.length()).isEqualTo(92);
        assertThat(message.messageType()).isEqualTo(StunMessageType.BINDING_SUCCESS_RESPONSE);
        assertThat(message.transactionIdEquals(StunVectors.TRANSACTION_ID, 0)).isTrue();
        assertThat(message.attributeText(message.findAttribute(StunAttribute.SOFTWARE)))
                .isEqualTo("test vector");
        assertThat(message.xorMappedAddressFamily()).isEqualTo(StunMessage.FAMILY_IPV6);
        assertThat(message.xorMappedAddress()).isEqualTo(new InetSocketAddress(
                InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
        assertThat(message.copyXorMappedAddress(new byte[15], 0)).isEqualTo(-1);
    }

    static Stream<Arguments> vectorsInEveryPlacement() {
        return Stream.of(StunVectors.REQUEST, StunVectors.RESPONSE_IPV4, StunVectors.RESPONSE_IPV6)
                .flatMap(v -> placements().map(p -> Arguments.of(v, p)));
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("vectorsInEveryPlacement")
    void verifiesIntegrityAndFingerprint(String vector, Function<byte[], Placed> placement) {
        wrap(placement, vector);

        assertThat(verifier.verifyIntegrity(message, key)).isTrue();
        assertThat(verifier.verifyFingerprint(message)).isTrue();
        assertThat(verifier.verifyIntegritySha256(message, key)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {StunVectors.REQUEST, StunVectors.RESPONSE_IPV4,
            StunVectors.RESPONSE_IPV6})
    void rejectsIntegrityUnderAnotherPassword(String vector) {
        byte[] bytes = StunVectors.load(vector);
        assertThat(message.wrap(ByteBuffer.wrap(bytes), 0, bytes.length)).isTrue();

        assertThat(verifier.verifyIntegrity(message,
                StunIntegrityKey.shortTerm("VOkJxbRl1RmTxUk/WvJxBT"))).isFalse();
        assertThat(verifier.verifyIntegrity(message, null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {StunVectors.REQUEST, StunVectors.RESPONSE_IPV4,
            StunVectors.RESPONSE_IPV6})
    void flippingAnySingleByteBreaksIntegrityOrFingerprint(String vector) {
        byte[] original = StunVectors.load(vector);
        for (int i = 0; i < original.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bytes = original.clone();
                bytes[i] ^= (byte) (1 << bit);
                boolean accepted = message.wrap(ByteBuffer.wrap(bytes), 0, bytes.length)
                        && verifier.verifyIntegrity(message, key)
                        && verifier.verifyFingerprint(message);
                assertThat(accepted).as("byte %d bit %d flipped", i, bit).isFalse();
            }
        }
    }

    @Test
    void responseTransactionIdMatchesItsRequest() {
        byte[] request = StunVectors.load(StunVectors.REQUEST);
        byte[] response = StunVectors.load(StunVectors.RESPONSE_IPV4);
        StunMessage other = new StunMessage();
        assertThat(message.wrap(ByteBuffer.wrap(request), 0, request.length)).isTrue();
        assertThat(other.wrap(ByteBuffer.wrap(response), 0, response.length)).isTrue();

        assertThat(message.transactionIdEquals(other)).isTrue();
        byte[] copy = new byte[14];
        assertThat(other.copyTransactionId(copy, 2)).isTrue();
        assertThat(message.transactionIdEquals(copy, 2)).isTrue();
        assertThat(message.transactionIdEquals(copy, 3)).isFalse();
        assertThat(message.copyTransactionId(copy, 3)).isFalse();
    }

    @Test
    void rewrappingForgetsThePreviousMessage() {
        byte[] request = StunVectors.load(StunVectors.REQUEST);
        assertThat(message.wrap(ByteBuffer.wrap(request), 0, request.length)).isTrue();
        assertThat(message.wrap(ByteBuffer.wrap(request), 0, request.length - 1)).isFalse();

        assertThat(message.isValid()).isFalse();
        assertThat(message.hasUsername()).isFalse();
        assertThat(message.messageType()).isEqualTo(-1);
        assertThat(message.firstAttribute()).isEqualTo(-1);
        assertThat(verifier.verifyFingerprint(message)).isFalse();
        assertThat(verifier.verifyIntegrity(message, key)).isFalse();
    }
}
