package dev.originproxy.rtmp;

import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the chunk stream decoder, with the control-message and command
 * readers run on every message it delivers. The input is fed in two slices (split where its
 * first byte says) so partial headers and partial payloads are exercised. In a normal
 * {@code mvn test} the seeds under {@code ChunkStreamDecoderFuzzTestInputs/} (chunk streams
 * captured from ffmpeg, librtmp and nginx-rtmp) run as regression tests; see {@code FUZZING.md}.
 */
class ChunkStreamDecoderFuzzTest {
    private static final ChunkStreamLimits LIMITS = new ChunkStreamLimits(64 * 1024, 8, 128 * 1024);

    private final RtmpCommand command = new RtmpCommand();
    private final ChunkStreamEncoder encoder = new ChunkStreamEncoder();
    private final ByteBuffer out = ByteBuffer.allocate(256 * 1024);

    @FuzzTest
    void decoderNeverThrowsAndStaysWithinItsLimits(byte[] input) {
        ChunkStreamDecoder decoder = new ChunkStreamDecoder(LIMITS, new FailureCounts<>(ChunkFailure.class));
        ByteBuffer in = ByteBuffer.wrap(input);
        int split = input.length == 0 ? 0 : Math.min(input.length, input[0] & 0xFF);
        RtmpMessageHandler handler = m -> {
            check(m.length() <= LIMITS.maxMessageSize(), "message above the size limit delivered");
            check(m.offset() >= 0 && m.offset() + m.length() <= m.buffer().limit(), "payload outside its buffer");
            RtmpControl.value(m);
            RtmpControl.userControlEvent(m);
            RtmpControl.userControlValue(m);
            RtmpControl.bufferLength(m);
            RtmpControl.peerBandwidthLimitType(m);
            if (command.wrap(m)) {
                command.nameEquals("connect");
                command.commandObject().skipValue();
                command.arguments().readRemainingValues();
            }
            // What was read can be written again.
            if (m.chunkStreamId() >= 2 && encoder.encode(m, out, 0, out.capacity()) < 0) {
                throw new IllegalStateException("re-encoding a decoded message failed");
            }
            return true;
        };
        int used = decoder.decode(in, 0, split, handler);
        if (used >= 0) {
            int rest = decoder.decode(in, used, input.length - used, handler);
            check(rest >= -1 && rest <= input.length - used, "consumed count out of range");
        }
        check(decoder.failure() == null || decoder.decode(in, 0, input.length, handler) == -1, "a failed decoder stays failed");
        check(decoder.chunkStreamCount() <= LIMITS.maxChunkStreams(), "chunk streams above the limit");
        check(decoder.bufferedBytes() <= LIMITS.maxBufferedBytes(), "buffered bytes above the limit");
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }
}
