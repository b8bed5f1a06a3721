package dev.originproxy.bench;

import dev.originproxy.http.internal.hls.PlaylistRewriter;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * HLS playlist rewriting ({@link PlaylistRewriter}): a 10-segment live playlist captured from
 * nginx-rtmp and a six-segment LL-HLS playlist with parts, preload hint and rendition reports
 * (the fixtures of proxy-http's table test). {@code rewrite*} reuse one rewriter (its output
 * buffer is warm), as a pooled or per-thread rewriter would; {@code rewrite*AndCopy} add the
 * response-body copy the HLS handler makes per playlist.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HlsPlaylistBenchmark {
    private static final String SESSION_ID = "q3VhbJ7cX0m2LwPZ9eRkTg";
    /** The origin's IP and the Host the client used, as the HLS handler passes them. */
    private final byte[][] hosts = {"10.1.2.3".getBytes(StandardCharsets.US_ASCII),
        "proxy.example".getBytes(StandardCharsets.US_ASCII)};
    private byte[] live;
    private byte[] llhls;
    private PlaylistRewriter rewriter;

    @Setup
    public void setUp() {
        live = Fixtures.bytes("hls/nginx-rtmp-live.m3u8");
        llhls = Fixtures.bytes("hls/llhls-live.m3u8");
        rewriter = new PlaylistRewriter();
        if (!rewriter.rewrite(llhls, 0, llhls.length, SESSION_ID, hosts)
                || rewriter.urisRewritten() != 20) {
            throw new IllegalStateException("LL-HLS fixture did not rewrite as expected: " + rewriter.urisRewritten());
        }
        if (!rewriter.rewrite(live, 0, live.length, SESSION_ID, hosts) || rewriter.urisRewritten() != 10) {
            throw new IllegalStateException("live fixture did not rewrite as expected");
        }
    }

    @Benchmark
    public int rewriteLive10Segments() {
        rewriter.rewrite(live, 0, live.length, SESSION_ID, hosts);
        return rewriter.outputLength();
    }

    @Benchmark
    public int rewriteLlHlsWithParts() {
        rewriter.rewrite(llhls, 0, llhls.length, SESSION_ID, hosts);
        return rewriter.outputLength();
    }

    @Benchmark
    public byte[] rewriteLive10SegmentsAndCopy() {
        rewriter.rewrite(live, 0, live.length, SESSION_ID, hosts);
        return rewriter.outputCopy();
    }

    @Benchmark
    public byte[] rewriteLlHlsWithPartsAndCopy() {
        rewriter.rewrite(llhls, 0, llhls.length, SESSION_ID, hosts);
        return rewriter.outputCopy();
    }
}
