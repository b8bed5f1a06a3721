package dev.originproxy.rtmp;

import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the AMF0 reader (with AMF3 values after avmplus markers) and the
 * command flyweight. In a normal {@code mvn test} the seeds under
 * {@code Amf0ReaderFuzzTestInputs/} (command payloads from ffmpeg, librtmp and nginx-rtmp, and
 * an AMF3 object) run as regression tests; see {@code FUZZING.md}.
 */
class Amf0ReaderFuzzTest {
    private final Amf0Reader reader = new Amf0Reader(8, 64, new FailureCounts<>(AmfFailure.class));
    private final RtmpCommand command = new RtmpCommand();
    private final Amf0Writer writer = new Amf0Writer();
    private final ByteBuffer out = ByteBuffer.allocate(1 << 16);

    @FuzzTest
    void readerNeverThrowsAndWhatItBuildsWritesBack(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        reader.wrap(in, 0, input.length);
        while (reader.hasRemaining()) {
            int before = reader.position();
            Object value = reader.readValue();
            if (reader.failure() != null) {
                break;
            }
            check(reader.position() > before, "a value of zero bytes");
            writer.wrap(out, 0, out.capacity());
            try {
                writer.writeValue(value);
            } catch (IllegalArgumentException e) {
                // byte[] (AMF3 byte arrays) and self-referencing AMF3 objects (depth bound) have no AMF0 form
            }
        }
        reader.wrap(in, 0, input.length);
        while (reader.hasRemaining() && reader.skipValue()) {
            check(reader.position() <= reader.end(), "skipped past the end");
        }
        reader.wrap(in, 0, input.length);
        if (reader.readObjectStart()) {
            while (reader.nextKey()) {
                reader.keyEquals("app");
                if (!reader.skipValue()) {
                    break;
                }
            }
        }
        for (boolean amf3 : new boolean[] {false, true}) {
            if (command.wrap(in, 0, input.length, amf3)) {
                command.nameEquals("publish");
                command.transactionId();
                check(command.argumentsOffset() <= command.end(), "arguments past the end");
                command.arguments().readRemainingValues();
            }
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }
}
