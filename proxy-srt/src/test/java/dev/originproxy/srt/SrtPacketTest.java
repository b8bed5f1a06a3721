package dev.originproxy.srt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SrtPacketTest {
    private final SrtPacket packet = new SrtPacket();

    @Test
    void decodesDataPacketHeader() {
        // seq 0x12345678 | PP=11 O=1 KK=01 R=1 msgno=0x00ABCDEF | ts 1000 | dst 0x0A0B0C0D
        ByteBuffer buf = ByteBuffer.wrap(HexFormat.of().parseHex(
                "12345678" + "ecabcdef" + "000003e8" + "0a0b0c0d" + "47474747"));

        assertThat(packet.wrap(buf, 0, buf.limit())).isTrue();
        assertThat(packet.isControl()).isFalse();
        assertThat(packet.isHandshake()).isFalse();
        assertThat(packet.sequenceNumber()).isEqualTo(0x12345678);
        assertThat(packet.packetPosition()).isEqualTo(SrtPacket.POSITION_SINGLE);
        assertThat(packet.inOrder()).isTrue();
        assertThat(packet.encryptionKeyFlag()).isEqualTo(1);
        assertThat(packet.retransmitted()).isTrue();
        assertThat(packet.messageNumber()).isEqualTo(0x00ABCDEF);
        assertThat(packet.timestamp()).isEqualTo(1000);
        assertThat(packet.destinationSocketId()).isEqualTo(0x0A0B0C0D);
        assertThat(packet.length()).isEqualTo(20);
    }

    @ParameterizedTest
    @CsvSource({
        "80000000, 0, 0", "80010000, 1, 0", "80020000, 2, 0", "80030000, 3, 0", "80040000, 4, 0",
        "80050000, 5, 0", "80060000, 6, 0", "80070000, 7, 0", "80080000, 8, 0", "ffff0003, 32767, 3",
    })
    void decodesControlTypeAndSubtype(String word0, int type, int subtype) {
        ByteBuffer buf = ByteBuffer.wrap(HexFormat.of().parseHex(word0 + "00000011" + "00000000" + "00000001"));

        assertThat(packet.wrap(buf, 0, 16)).isTrue();
        assertThat(packet.isControl()).isTrue();
        assertThat(packet.controlType()).isEqualTo(type);
        assertThat(packet.subtype()).isEqualTo(subtype);
        assertThat(packet.typeSpecificInfo()).isEqualTo(0x11);
    }

    @Test
    void controlTypeConstantsMatchTheDraft() {
        assertThat(new int[] {SrtPacket.CONTROL_HANDSHAKE, SrtPacket.CONTROL_KEEPALIVE, SrtPacket.CONTROL_ACK,
            SrtPacket.CONTROL_NAK, SrtPacket.CONTROL_CONGESTION_WARNING, SrtPacket.CONTROL_SHUTDOWN,
            SrtPacket.CONTROL_ACKACK, SrtPacket.CONTROL_DROPREQ, SrtPacket.CONTROL_PEERERROR, SrtPacket.CONTROL_USER})
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7FFF);
    }

    @Test
    void rewritesDestinationSocketIdInPlace() {
        ByteBuffer buf = SrtVectors.buffer("a_streamid_access", "4-conclusion-response");
        assertThat(packet.wrap(buf, 0, buf.limit())).isTrue();

        packet.setDestinationSocketId(0x01020304);
        packet.setTimestamp(99);

        assertThat(buf.getInt(12)).isEqualTo(0x01020304);
        assertThat(buf.getInt(8)).isEqualTo(99);
        assertThat(buf.getInt(40)).isEqualTo(0x3f2bc4c3);
    }

    @Test
    void writesShutdownHeader() {
        ByteBuffer buf = ByteBuffer.allocate(16);

        assertThat(SrtPacket.writeControlHeader(buf, 0, 16, SrtPacket.CONTROL_SHUTDOWN, 0, 0, 5, 0x1ee8bc6d)).isEqualTo(16);

        assertThat(HexFormat.of().formatHex(buf.array())).isEqualTo("8005000000000000000000051ee8bc6d");
        assertThat(SrtPacket.writeControlHeader(buf, 1, 16, SrtPacket.CONTROL_SHUTDOWN, 0, 0, 5, 1)).isEqualTo(-1);
        assertThat(SrtPacket.writeControlHeader(buf, 0, 15, SrtPacket.CONTROL_SHUTDOWN, 0, 0, 5, 1)).isEqualTo(-1);
    }

    @Test
    void rejectsPacketsShorterThanTheHeaderOrOutsideTheBuffer() {
        ByteBuffer buf = ByteBuffer.allocate(32);

        assertThat(packet.wrap(buf, 0, 15)).isFalse();
        assertThat(packet.wrap(buf, 17, 16)).isFalse();
        assertThat(packet.wrap(buf, -4, 16)).isFalse();
        assertThat(packet.wrap(null, 0, 16)).isFalse();
        assertThat(packet.wrap(buf, 16, 16)).isTrue();
    }
}
