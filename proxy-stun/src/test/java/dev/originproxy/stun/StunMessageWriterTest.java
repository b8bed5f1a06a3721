package dev.originproxy.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Encoder round trips, and byte-for-byte equality with RFC 5769. RFC 5769 pads with spaces, so
 * those comparisons ask the writer for {@code 0x20} padding: comparing whole messages also
 * proves the MESSAGE-INTEGRITY and FINGERPRINT the writer computes, which cover the padding.
 */
class StunMessageWriterTest {

    private static final byte[] TID = StunVectors.TRANSACTION_ID;

    private final StunMessageWriter writer = new StunMessageWriter();
    private final StunMessage message = new StunMessage();
    private final StunVerifier verifier = new StunVerifier();
    private final StunIntegrityKey key = StunIntegrityKey.shortTerm(StunVectors.PASSWORD);

    @Test
    void writesTheRfc5769RequestByteForByte() {
        ByteBuffer buf = ByteBuffer.allocate(200);
        int n = writer.paddingByte(' ')
                .start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .software("STUN test client")
                .priority(0x6e0001ff)
                .iceControlled(0x932ff9b151263b36L)
                .username("evtj:h6vY")
                .messageIntegrity(key)
                .fingerprint()
                .finish();

        assertThat(n).isEqualTo(108);
        assertThat(Arrays.copyOf(buf.array(), n)).isEqualTo(StunVectors.load(StunVectors.REQUEST));
    }

    @Test
    void writesTheRfc5769Ipv4ResponseByteForByteAsAnAnswerToTheRequest() throws Exception {
        byte[] request = StunVectors.load(StunVectors.REQUEST);
        assertThat(message.wrap(ByteBuffer.wrap(request), 0, request.length)).isTrue();
        ByteBuffer buf = ByteBuffer.allocateDirect(200);

        int n = writer.paddingByte(0x20)
                .start(buf, 0, StunMessageType.BINDING_SUCCESS_RESPONSE, message)
                .software("test vector")
                .xorMappedAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853))
                .messageIntegrity(key)
                .fingerprint()
                .finish();

        byte[] written = new byte[n];
        buf.get(0, written);
        assertThat(written).isEqualTo(StunVectors.load(StunVectors.RESPONSE_IPV4));
    }

    @Test
    void writesTheRfc5769Ipv6ResponseByteForByte() throws Exception {
        byte[] ip = InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677").getAddress();
        ByteBuffer buf = ByteBuffer.allocate(200);

        int n = writer.paddingByte(0x20)
                .start(buf, 0, StunMessageType.BINDING_SUCCESS_RESPONSE, TID, 0)
                .software("test vector")
                .xorMappedAddress(ip, 0, 16, 32853)
                .messageIntegrity(key)
                .fingerprint()
                .finish();

        assertThat(Arrays.copyOf(buf.array(), n))
                .isEqualTo(StunVectors.load(StunVectors.RESPONSE_IPV6));
    }

    @ParameterizedTest
    @ValueSource(strings = {"198.51.100.7", "2001:db8::1", "::ffff:0:0"})
    void roundTripsSuccessResponseWithIntegrityAndFingerprint(String ip) throws Exception {
        InetSocketAddress mapped = new InetSocketAddress(InetAddress.getByName(ip), 61000);
        ByteBuffer buf = ByteBuffer.allocate(300);
        buf.position(9).limit(250);

        int n = writer.start(buf, 13, StunMessageType.BINDING_SUCCESS_RESPONSE, TID, 0)
                .xorMappedAddress(mapped)
                .messageIntegrity(key)
                .fingerprint()
                .finish();

        assertThat(buf.position()).isEqualTo(9);
        assertThat(buf.limit()).isEqualTo(250);
        assertThat(message.wrap(buf, 13, n)).isTrue();
        assertThat(message.messageType()).isEqualTo(StunMessageType.BINDING_SUCCESS_RESPONSE);
        assertThat(message.transactionIdEquals(TID, 0)).isTrue();
        assertThat(message.xorMappedAddress()).isEqualTo(mapped);
        assertThat(verifier.verifyIntegrity(message, key)).isTrue();
        assertThat(verifier.verifyFingerprint(message)).isTrue();
    }

    @Test
    void roundTripsBindingRequestWithoutIntegrity() {
        ByteBuffer buf = ByteBuffer.allocateDirect(128);

        int n = writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .username("remote:local")
                .priority(0x7effffff)
                .iceControlling(-2L)
                .useCandidate()
                .finish();

        assertThat(n).isEqualTo(20 + 16 + 8 + 12 + 4);
        assertThat(message.wrap(buf, 0, n)).isTrue();
        assertThat(message.isBindingRequest()).isTrue();
        assertThat(message.username()).isEqualTo("remote:local");
        assertThat(message.priority()).isEqualTo(0x7effffff);
        assertThat(message.iceControlling()).isEqualTo(-2L);
        assertThat(message.hasIceControlled()).isFalse();
        assertThat(message.hasUseCandidate()).isTrue();
        assertThat(message.hasMessageIntegrity()).isFalse();
        assertThat(message.hasFingerprint()).isFalse();
        assertThat(verifier.verifyIntegrity(message, key)).isFalse();
        assertThat(verifier.verifyFingerprint(message)).isFalse();
    }

    @Test
    void roundTripsErrorResponseWithNonAsciiReason() {
        ByteBuffer buf = ByteBuffer.allocate(128);
        String reason = "Unauthorized \u00e9\u20ac\uD83D\uDE00";

        int n = writer.start(buf, 0, StunMessageType.BINDING_ERROR_RESPONSE, TID, 0)
                .errorCode(401, reason)
                .fingerprint()
                .finish();

        assertThat(message.wrap(buf, 0, n)).isTrue();
        assertThat(message.messageClass()).isEqualTo(StunClass.ERROR_RESPONSE);
        assertThat(message.errorCode()).isEqualTo(401);
        assertThat(message.errorReason()).isEqualTo(reason);
        assertThat(message.errorReasonLength())
                .isEqualTo(reason.getBytes(StandardCharsets.UTF_8).length);
        assertThat(verifier.verifyFingerprint(message)).isTrue();
    }

    @Test
    void roundTripsBothIntegrityAttributes() {
        ByteBuffer buf = ByteBuffer.allocate(200);

        int n = writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .username(new byte[] {'a', ':', 'b'}, 0, 3)
                .messageIntegrity(key)
                .messageIntegritySha256(key)
                .fingerprint()
                .finish();

        assertThat(message.wrap(buf, 0, n)).isTrue();
        assertThat(verifier.verifyIntegrity(message, key)).isTrue();
        assertThat(verifier.verifyIntegritySha256(message, key)).isTrue();
        assertThat(verifier.verifyIntegritySha256(message,
                StunIntegrityKey.shortTerm("other"))).isFalse();
        assertThat(verifier.verifyFingerprint(message)).isTrue();
    }

    @Test
    void acceptsAKeyLongerThanTheHmacBlock() {
        StunIntegrityKey longKey = StunIntegrityKey.shortTerm("p".repeat(100));
        ByteBuffer buf = ByteBuffer.allocate(200);

        int n = writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .messageIntegrity(longKey)
                .messageIntegritySha256(longKey)
                .finish();

        assertThat(message.wrap(buf, 0, n)).isTrue();
        assertThat(verifier.verifyIntegrity(message, longKey)).isTrue();
        assertThat(verifier.verifyIntegritySha256(message, longKey)).isTrue();
        assertThat(verifier.verifyIntegrity(message, key)).isFalse();
    }

    @Test
    void failsInsteadOfOverflowingTheBuffer() {
        ByteBuffer buf = ByteBuffer.allocate(40);

        int n = writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .username("a-username-that-does-not-fit")
                .finish();

        assertThat(n).isEqualTo(-1);
        assertThat(Arrays.copyOfRange(buf.array(), 20, 40)).containsOnly(0);
    }

    @Test
    void failsOnAttributeAfterIntegrityOrFingerprint() {
        ByteBuffer buf = ByteBuffer.allocate(200);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .messageIntegrity(key).priority(1).finish()).isEqualTo(-1);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .fingerprint().useCandidate().finish()).isEqualTo(-1);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .messageIntegritySha256(key).messageIntegrity(key).finish()).isEqualTo(-1);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .priority(1).finish()).isEqualTo(28);
    }

    @Test
    void failsOnOutOfRangeArguments() {
        ByteBuffer buf = ByteBuffer.allocate(200);
        assertThat(writer.start(buf, 0, 0x4000, TID, 0).finish()).isEqualTo(-1);
        assertThat(writer.start(buf, 190, StunMessageType.BINDING_REQUEST, TID, 0).finish())
                .isEqualTo(-1);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 1).finish())
                .isEqualTo(-1);
        assertThat(writer.start(buf.asReadOnlyBuffer(), 0, StunMessageType.BINDING_REQUEST,
                TID, 0).finish()).isEqualTo(-1);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .errorCode(200, "OK").finish()).isEqualTo(-1);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .username("").finish()).isEqualTo(-1);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .xorMappedAddress(new byte[5], 0, 5, 1).finish()).isEqualTo(-1);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .xorMappedAddress(new byte[4], 0, 4, 65536).finish()).isEqualTo(-1);
        assertThat(writer.start(buf, 0, StunMessageType.BINDING_REQUEST, new StunMessage())
                .finish()).isEqualTo(-1);
    }

    @Test
    void writesGenericAttributesThatFindAttributeReturns() {
        ByteBuffer buf = ByteBuffer.allocate(100);
        byte[] nonce = HexFormat.of().parseHex("0102030405");

        int n = writer.start(buf, 0, StunMessageType.BINDING_REQUEST, TID, 0)
                .attribute(StunAttribute.NONCE, nonce, 0, nonce.length)
                .finish();

        assertThat(message.wrap(buf, 0, n)).isTrue();
        int at = message.findAttribute(StunAttribute.NONCE);
        assertThat(message.attributeLength(at)).isEqualTo(5);
        byte[] read = new byte[5];
        buf.get(message.attributeValueOffset(at), read);
        assertThat(read).isEqualTo(nonce);
        assertThat(buf.get(message.attributeValueOffset(at) + 5)).isZero();
    }
}
