package dev.originproxy.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7983 first-byte demultiplexing, over every byte value range. */
class PacketKindTest {

    @ParameterizedTest(name = "{0}..{1} -> {2}")
    @CsvSource({
        "0, 3, STUN",
        "4, 15, UNKNOWN",
        "16, 19, ZRTP",
        "20, 63, DTLS",
        "64, 79, TURN_CHANNEL",
        "80, 127, UNKNOWN",
        "128, 191, RTP_RTCP",
        "192, 255, UNKNOWN",
    })
    void classifiesEveryFirstByteOfTheRange(int from, int to, PacketKind expected) {
        for (int b = from; b <= to; b++) {
            assertThat(PacketKind.classify((byte) b)).as("first byte %d", b).isEqualTo(expected);
            ByteBuffer buf = ByteBuffer.allocate(3).put(2, (byte) b);
            assertThat(PacketKind.classify(buf, 2)).isEqualTo(expected);
        }
    }

    @Test
    void classifiesMissingBytesAsUnknown() {
        ByteBuffer buf = ByteBuffer.allocate(4).limit(2);
        assertThat(PacketKind.classify(buf, 2)).isEqualTo(PacketKind.UNKNOWN);
        assertThat(PacketKind.classify(buf, -1)).isEqualTo(PacketKind.UNKNOWN);
        assertThat(PacketKind.classify(null, 0)).isEqualTo(PacketKind.UNKNOWN);
        assertThat(PacketKind.classify(buf, 1)).isEqualTo(PacketKind.STUN);
    }
}
