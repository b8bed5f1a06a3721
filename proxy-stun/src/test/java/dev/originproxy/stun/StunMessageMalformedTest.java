package dev.originproxy.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile and malformed datagrams: each is rejected by {@code wrap}'s return value. */
class StunMessageMalformedTest {

    private static final String COOKIE_AND_TID = "2112a442" + "b7e7a701bc34d686fa87dfae";

    private final StunMessage message = new StunMessage();
    private final StunVerifier verifier = new StunVerifier();

    /** A Binding request carrying {@code attributes}, with a correct length field. */
    static byte[] request(String attributes) {
        int length = attributes.length() / 2;
        return HexFormat.of().parseHex(
                "0001" + String.format("%04x", length) + COOKIE_AND_TID + attributes);
    }

    static byte[] raw(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("empty datagram", new byte[0]),
                Arguments.of("19 bytes", Arrays.copyOf(raw("00010000" + COOKIE_AND_TID), 19)),
                Arguments.of("wrong magic cookie", raw("00010000" + "2112a443"
                        + "b7e7a701bc34d686fa87dfae")),
                Arguments.of("top bit set", raw("80010000" + COOKIE_AND_TID)),
                Arguments.of("second-top bit set", raw("40010000" + COOKIE_AND_TID)),
                Arguments.of("length field not a multiple of 4",
                        raw("00010002" + COOKIE_AND_TID + "0000")),
                Arguments.of("length field larger than the datagram",
                        raw("00010008" + COOKIE_AND_TID + "80220000")),
                Arguments.of("length field smaller than the datagram",
                        raw("00010000" + COOKIE_AND_TID + "80220000")),
                Arguments.of("huge length field", raw("0001fffc" + COOKIE_AND_TID + "80220000")),
                Arguments.of("attribute value running past the end",
                        request("80220008" + "41424344")),
                Arguments.of("huge attribute length", request("8022ffff" + "41424344")),
                Arguments.of("29-byte message whose USERNAME padding runs past the end",
                        raw("00010009" + COOKIE_AND_TID + "00060005" + "6576746a3a")),
                Arguments.of("USERNAME padding running past the end of a 28-byte message",
                        request("00060005" + "6576746a")),
                Arguments.of("FINGERPRINT not last",
                        request("80280004" + "e57a3bcf" + "80220004" + "41424344")),
                Arguments.of("zero-length FINGERPRINT", request("80280000")),
                Arguments.of("zero-length MESSAGE-INTEGRITY", request("00080000")),
                Arguments.of("zero-length MESSAGE-INTEGRITY-SHA256", request("001c0000")),
                Arguments.of("zero-length PRIORITY", request("00240000")),
                Arguments.of("zero-length USERNAME", request("00060000")),
                Arguments.of("zero-length ICE-CONTROLLING", request("802a0000")),
                Arguments.of("zero-length ICE-CONTROLLED", request("80290000")),
                Arguments.of("zero-length ERROR-CODE", request("00090000")),
                Arguments.of("zero-length XOR-MAPPED-ADDRESS", request("00200000")),
                Arguments.of("MESSAGE-INTEGRITY of 16 bytes", request("00080010" + "00".repeat(16))),
                Arguments.of("MESSAGE-INTEGRITY-SHA256 of 36 bytes",
                        request("001c0024" + "00".repeat(36))),
                Arguments.of("MESSAGE-INTEGRITY-SHA256 of 12 bytes",
                        request("001c000c" + "00".repeat(12))),
                Arguments.of("USE-CANDIDATE with a value", request("00250004" + "00000000")),
                Arguments.of("XOR-MAPPED-ADDRESS of unknown family",
                        request("00200008" + "0003a147e112a643")),
                Arguments.of("XOR-MAPPED-ADDRESS IPv4 with an IPv6 length",
                        request("00200014" + "0001a147" + "00".repeat(16))),
                Arguments.of("USERNAME longer than 513 bytes",
                        request("00060204" + "61".repeat(516))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformedMessage(String description, byte[] datagram) {
        for (ByteBuffer buf : new ByteBuffer[] {ByteBuffer.wrap(datagram),
                ByteBuffer.allocateDirect(datagram.length).put(0, datagram)}) {
            assertThatCode(() -> assertThat(message.wrap(buf, 0, datagram.length)).isFalse())
                    .doesNotThrowAnyException();
            assertThat(message.isValid()).isFalse();
            assertThat(message.hasUsername()).isFalse();
            assertThat(verifier.verifyFingerprint(message)).isFalse();
        }
    }

    @Test
    void rejectsRangesOutsideTheBuffer() {
        byte[] ok = request("");
        ByteBuffer buf = ByteBuffer.wrap(ok);

        assertThat(message.wrap(null, 0, ok.length)).isFalse();
        assertThat(message.wrap(buf, -1, ok.length)).isFalse();
        assertThat(message.wrap(buf, 1, ok.length)).isFalse();
        assertThat(message.wrap(buf, 0, ok.length + 4)).isFalse();
        assertThat(message.wrap(buf, Integer.MAX_VALUE, 20)).isFalse();
        assertThat(message.wrap(buf, 0, Integer.MAX_VALUE)).isFalse();
        assertThat(message.wrap(buf.limit(19), 0, ok.length)).isFalse();
        assertThat(message.wrap(buf.limit(20), 0, ok.length)).isTrue();
    }

    static Stream<Arguments> wellFormedEdges() {
        return Stream.of(
                Arguments.of("header only", request(""), 0),
                Arguments.of("zero-length unknown attributes", request("7f000000" + "ff000000"), 2),
                Arguments.of("USE-CANDIDATE", request("00250000"), 1),
                Arguments.of("padding bytes of any value", request("00060001" + "61ffffff"), 1),
                Arguments.of("unknown comprehension-required attribute",
                        request("00ff0004" + "01020304"), 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormedEdges")
    void acceptsWellFormedEdgeCase(String description, byte[] datagram, int attributes) {
        assertThat(message.wrap(ByteBuffer.wrap(datagram), 0, datagram.length)).isTrue();
        int count = 0;
        for (int at = message.firstAttribute(); at >= 0; at = message.nextAttribute(at)) {
            count++;
        }
        assertThat(count).isEqualTo(attributes);
    }

    @Test
    void ignoresAttributesAfterMessageIntegrityExceptFingerprint() {
        byte[] datagram = request("00080014" + "00".repeat(20)
                + "00060003" + "61626300"
                + "00240004" + "00000001"
                + "80220003" + "61626300"
                + "80280004" + "00000000");

        assertThat(message.wrap(ByteBuffer.wrap(datagram), 0, datagram.length)).isTrue();
        assertThat(message.hasMessageIntegrity()).isTrue();
        assertThat(message.hasUsername()).isFalse();
        assertThat(message.hasPriority()).isFalse();
        assertThat(message.findAttribute(StunAttribute.SOFTWARE)).isEqualTo(-1);
        assertThat(message.hasFingerprint()).isTrue();
        assertThat(verifier.verifyFingerprint(message)).isFalse();
    }

    @Test
    void keepsTheFirstOfRepeatedAttributes() {
        byte[] datagram = request("00060001" + "61000000" + "00060001" + "62000000");

        assertThat(message.wrap(ByteBuffer.wrap(datagram), 0, datagram.length)).isTrue();
        assertThat(message.username()).isEqualTo("a");
    }

    @Test
    void answersAbsentForIndicesThatAreNotAttributes() {
        byte[] datagram = request("00060005" + "6162636465000000");
        assertThat(message.wrap(ByteBuffer.wrap(datagram), 0, datagram.length)).isTrue();

        for (int index : new int[] {-1, 0, 19, 21, 24, datagram.length, 1 << 30}) {
            assertThat(message.attributeType(index)).as("type at %d", index).isEqualTo(-1);
            assertThat(message.attributeLength(index)).isEqualTo(-1);
            assertThat(message.attributeValueOffset(index)).isEqualTo(-1);
            assertThat(message.attributeText(index)).isNull();
            assertThat(message.nextAttribute(index)).isEqualTo(-1);
        }
    }
}
