package dev.originproxy.rtmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The per-message relay path (decode media and command messages from chunks, read a command's
 * name, re-chunk every message at another chunk size) allocates nothing once warm. Reads the
 * thread's allocation counter ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}),
 * so it is a count, not a timing; the public-lookup method handles need no module readability.
 */
class ChunkStreamAllocationTest {
    private static final int MESSAGES = 64;

    private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
    private final RtmpCommand command = new RtmpCommand();
    private ChunkStreamDecoder decoder;
    private ChunkStreamEncoder reEncoder;
    private long delivered;

    @ParameterizedTest(name = "in chunk size {0}, out chunk size {1}, direct {2}")
    @CsvSource({"128, 4096, false", "4096, 128, true", "4096, 60000, false"})
    void decodingAndReChunkingAllocateNothing(int inChunkSize, int outChunkSize, boolean direct) throws Throwable {
        // A session's worth of wire bytes: commands, 4 KB video, small audio, growing timestamps.
        ChunkStreamEncoder encoder = new ChunkStreamEncoder();
        ByteBuffer wire = direct ? ByteBuffer.allocateDirect(1 << 20) : ByteBuffer.allocate(1 << 20);
        int at = encoder.writeSetChunkSize(inChunkSize, wire, 0, wire.capacity());
        RtmpCommandWriter commands = new RtmpCommandWriter();
        commands.begin("onStatus", 0).writeNull().writeObjectStart().writeKey("code").writeString("x").writeObjectEnd();
        ByteBuffer video = ByteBuffer.allocate(4096);
        ByteBuffer audio = ByteBuffer.allocate(200);
        for (int i = 0; i < MESSAGES; i++) {
            at += encoder.encode(6, RtmpMessage.TYPE_VIDEO, 1, 0x00FFFFF0 + i * 40, video, 0, 4096, wire, at, wire.capacity() - at);
            at += encoder.encode(4, RtmpMessage.TYPE_AUDIO, 1, 0x00FFFFF0 + i * 23, audio, 0, 200, wire, at, wire.capacity() - at);
            if (i % 16 == 0) {
                at += commands.finish(encoder, 5, 1, wire, at, wire.capacity() - at);
            }
        }
        int length = at;
        AllocationCounter counter = new AllocationCounter();
        decoder = new ChunkStreamDecoder();
        reEncoder = new ChunkStreamEncoder();
        reEncoder.setChunkSize(outChunkSize);
        run(wire, length, 200);
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3 && least > 0; attempt++) {
            long before = counter.allocatedBytes();
            run(wire, length, 100);
            least = Math.min(least, counter.allocatedBytes() - before);
        }
        assertThat(delivered).isGreaterThan(0);
        assertThat(least).as("bytes allocated decoding and re-chunking 100 sessions").isZero();
    }

    private final RtmpMessageHandler relay = this::relay;

    private boolean relay(RtmpMessage m) {
        delivered++;
        if (m.isCommand() && command.wrap(m) && command.nameEquals("onStatus")) {
            delivered++;
        }
        if (reEncoder.encode(m, out, 0, out.capacity()) < 0) {
            throw new AssertionError("no room");
        }
        return true;
    }

    /** The same decoder and encoder read session after session (each starts with Set Chunk Size). */
    private void run(ByteBuffer wire, int length, int sessions) {
        for (int s = 0; s < sessions; s++) {
            int used = 0;
            while (used < length) {
                int n = decoder.decode(wire, used, Math.min(1500, length - used), relay);
                if (n < 0) {
                    throw new AssertionError("decoder failed: " + decoder.failure());
                }
                used += n;
                if (n == 0) {
                    throw new AssertionError("no progress at " + used);
                }
            }
        }
    }

    /** {@code getThreadAllocatedBytes(currentThreadId)} through method handles. */
    private static final class AllocationCounter {
        private final Object bean;
        private final MethodHandle allocatedBytes;
        private final long threadId = Thread.currentThread().getId();

        AllocationCounter() throws Throwable {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            Class<?> standardBean = Class.forName("java.lang.management.ThreadMXBean");
            Class<?> sunBean = Class.forName("com.sun.management.ThreadMXBean");
            bean = lookup.findStatic(factory, "getThreadMXBean", MethodType.methodType(standardBean)).invoke();
            allocatedBytes = lookup.findVirtual(sunBean, "getThreadAllocatedBytes",
                            MethodType.methodType(long.class, long.class))
                    .asType(MethodType.methodType(long.class, Object.class, long.class));
            allocatedBytes();
        }

        long allocatedBytes() throws Throwable {
            return (long) allocatedBytes.invokeExact(bean, threadId);
        }
    }
}
