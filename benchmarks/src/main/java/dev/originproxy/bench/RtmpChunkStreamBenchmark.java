package dev.originproxy.bench;

import dev.originproxy.rtmp.ChunkStreamDecoder;
import dev.originproxy.rtmp.ChunkStreamEncoder;
import dev.originproxy.rtmp.RtmpMessage;
import dev.originproxy.rtmp.RtmpMessageHandler;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * RTMP chunk stream: decoding 4 KB video messages (the size of a typical 2-4 Mbit/s P-frame) from
 * chunks of 128 bytes (the default a client starts with) and 4096 bytes (what ffmpeg and
 * nginx-rtmp switch to), read in 64 KB socket-sized slices as a relay's read loop presents them;
 * and the relay's per-message path, decoding and re-chunking every message at the outgoing chunk
 * size. One operation is one message: GB/s = 4096 B / (ns/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RtmpChunkStreamBenchmark {
    static final int MESSAGES = 256;
    static final int MESSAGE_SIZE = 4096;
    static final int READ_SIZE = 64 * 1024;

    @Param({"128", "4096"})
    int chunkSize;

    ByteBuffer wire;
    int wireLength;
    final ChunkStreamDecoder decoder = new ChunkStreamDecoder();
    final ChunkStreamEncoder reEncoder = new ChunkStreamEncoder();
    final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    long payloadBytes;

    final RtmpMessageHandler count = this::count;
    final RtmpMessageHandler reChunk = this::reChunk;

    @Setup
    public void setup() {
        // The session as a publisher sends it: Set Chunk Size, then video on chunk stream 6 at
        // 25 fps with timestamps past 0xFFFFFF (extended timestamps on every chunk).
        ChunkStreamEncoder encoder = new ChunkStreamEncoder();
        ByteBuffer buf = ByteBuffer.allocateDirect(MESSAGES * (MESSAGE_SIZE + 512) + 64);
        ByteBuffer video = ByteBuffer.allocate(MESSAGE_SIZE);
        for (int i = 0; i < MESSAGE_SIZE; i++) {
            video.put(i, (byte) i);
        }
        int at = encoder.writeSetChunkSize(chunkSize, buf, 0, buf.capacity());
        for (int i = 0; i < MESSAGES; i++) {
            at += encoder.encode(6, RtmpMessage.TYPE_VIDEO, 1, 0x01000000 + 40 * i, video, 0, MESSAGE_SIZE,
                    buf, at, buf.capacity() - at);
        }
        wire = buf;
        wireLength = at;
        reEncoder.setChunkSize(4096);
        decodeSession(count);
        Fixtures.check(payloadBytes == 4 + (long) MESSAGES * MESSAGE_SIZE, "every message decodes");
    }

    private boolean count(RtmpMessage m) {
        payloadBytes += m.length();
        return true;
    }

    private boolean reChunk(RtmpMessage m) {
        payloadBytes += reEncoder.encode(m, out, 0, out.capacity());
        return true;
    }

    private void decodeSession(RtmpMessageHandler handler) {
        int used = 0;
        while (used < wireLength) {
            int n = decoder.decode(wire, used, Math.min(READ_SIZE, wireLength - used), handler);
            if (n <= 0) {
                throw new IllegalStateException("decoder stopped: " + decoder.failure());
            }
            used += n;
        }
    }

    /** Decode only: every 4 KB video message assembled and handed over. */
    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public long decode() {
        decodeSession(count);
        return payloadBytes;
    }

    /** The relay's per-message path: decode, then re-chunk each message at 4096 (stream id kept). */
    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public long decodeAndReChunk() {
        decodeSession(reChunk);
        return payloadBytes;
    }
}
