package dev.originproxy.srt;

import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the packet header, the handshake decoder and its extension walker.
 * In a normal {@code mvn test} the seeds under {@code SrtHandshakeFuzzTestInputs/} (the captured
 * libsrt handshakes) run as regression tests; see {@code FUZZING.md} to fuzz for longer.
 */
class SrtHandshakeFuzzTest {
    private final SrtPacket packet = new SrtPacket();
    private final SrtHandshake handshake = new SrtHandshake();
    private final byte[] streamId = new byte[SrtHandshake.MAX_STREAM_ID_LENGTH];
    private final byte[] ip = new byte[16];
    private final ByteBuffer answer = ByteBuffer.allocate(SrtHandshake.LENGTH);

    @FuzzTest
    void decoderAndWalkerNeverThrowAndStayInBounds(byte[] input) {
        ByteBuffer buf = ByteBuffer.wrap(input);
        if (packet.wrap(buf, 0, input.length)) {
            packet.controlType();
            packet.messageNumber();
            packet.destinationSocketId();
        }
        if (!handshake.wrap(buf, 0, input.length)) {
            check(handshake.firstExtension() == SrtHandshake.MALFORMED_EXTENSION, "refused packet has a walker");
            return;
        }
        check(packet.isHandshake(), "a handshake that is no HANDSHAKE control packet wrapped");
        int end = input.length;
        int previous = SrtHandshake.LENGTH;
        int ext = handshake.firstExtension();
        while (ext >= 0) {
            check(ext == previous, "walker skipped or overlapped bytes");
            int contentEnd = handshake.extensionContentOffset(ext) + handshake.extensionContentLength(ext);
            check(contentEnd <= end, "extension content past the packet end");
            if (handshake.extensionType(ext) == SrtHandshake.EXT_SID) {
                check(handshake.extensionString(ext, streamId) <= SrtHandshake.MAX_STREAM_ID_LENGTH, "stream id too long");
            } else {
                handshake.srtVersion(ext);
                handshake.receiverTsbpdDelay(ext);
                handshake.extensionString(ext, streamId);
            }
            previous = contentEnd;
            ext = handshake.nextExtension(ext);
        }
        check(ext == SrtHandshake.NO_EXTENSION && previous == end, "a wrapped handshake's blocks must fill it");
        int n = handshake.streamId(streamId);
        check(n >= SrtHandshake.NO_EXTENSION, "stream id decode failed on a wrapped handshake");
        check(handshake.peerIp(ip) == 4 || handshake.peerIp(ip) == 16, "peer ip length");
        handshake.rejectReason();
        int written = handshake.writeInductionResponse(answer, 0, answer.capacity(), 1, 0, new byte[] {127, 0, 0, 1}, 0);
        check(written == (handshake.isInduction() ? SrtHandshake.LENGTH : -1), "induction answer");
        check(handshake.writeRejection(answer, 0, answer.capacity(), SrtRejectCodes.FORBIDDEN, 0, 0)
                == SrtHandshake.LENGTH, "rejection answer");
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
