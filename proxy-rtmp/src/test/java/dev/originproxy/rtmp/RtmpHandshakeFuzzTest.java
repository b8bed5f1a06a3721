package dev.originproxy.rtmp;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the handshake reader and the answers built from what it read. In a
 * normal {@code mvn test} the seeds under {@code RtmpHandshakeFuzzTestInputs/} (C0+C1 and
 * S0+S1+S2 captured from ffmpeg, librtmp and nginx-rtmp) run as regression tests; see
 * {@code FUZZING.md} to fuzz for longer.
 */
class RtmpHandshakeFuzzTest {
    private final RtmpHandshake packet = new RtmpHandshake(new FailureCounts<>(HandshakeFailure.class));
    private final RtmpHandshake second = new RtmpHandshake();
    private final RtmpHandshakeWriter writer = new RtmpHandshakeWriter(new SplittableRandom(1));
    private final ByteBuffer out = ByteBuffer.allocate(RtmpHandshake.S0_S1_S2_LENGTH);
    private final byte[] digest = new byte[RtmpHandshake.DIGEST_LENGTH];

    @FuzzTest
    void readerAndWritersNeverThrowOnAnyHello(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        if (!packet.wrapWithVersionByte(in, 0, input.length)) {
            check(packet.failure() != null, "a refused hello names its reason");
            check(input.length < RtmpHandshake.C0_C1_LENGTH || (input[0] & 0xFF) != RtmpHandshake.VERSION_PLAIN,
                    "a complete version-3 hello was refused");
            return;
        }
        packet.time();
        HandshakeForm asClient = packet.detectForm(true);
        check(asClient.hasDigest() == (packet.digestOffset() >= 0), "digest offset agrees with the form");
        check(packet.digestOffset() < RtmpHandshake.PACKET_LENGTH - RtmpHandshake.DIGEST_LENGTH + 1,
                "digest inside the packet");
        check(writer.writeServerHello(packet, 0, out, 0, out.capacity()) == RtmpHandshake.S0_S1_S2_LENGTH,
                "server hello written");
        check(second.wrapWithVersionByte(out, 0, out.capacity()) && second.detectForm(false) == asClient,
                "our answer has the client's form");
        // The same bytes seen as a server's S1, answered with C2, and the rest checked as a C2/S2.
        packet.wrapWithVersionByte(in, 0, input.length);
        check(writer.writeClientAck(packet, out, 0, out.capacity()) == RtmpHandshake.PACKET_LENGTH, "C2 written");
        if (second.wrap(in, RtmpHandshake.C0_C1_LENGTH, input.length - RtmpHandshake.C0_C1_LENGTH)) {
            second.verifySignature(true, digest);
            second.isEchoOf(out, 0);
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }
}
