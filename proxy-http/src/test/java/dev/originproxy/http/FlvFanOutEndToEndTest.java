package dev.originproxy.http;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.testkit.PeerLogs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 200 HTTP-FLV viewers of one stream through the proxy at once; then a viewer that never reads is
 * dropped after the bound (write-stall timeout over a bounded queue) while the 200 keep receiving
 * at the stream's rate; afterwards heap and direct memory return to their baseline.
 * The origin streams a real FLV file made by ffmpeg ({@link FlvFileOrigin}); the single-client
 * ffmpeg origin is exercised by {@link FlvEndToEndTest}.
 */
@ExtendWith(PeerLogs.class)
class FlvFanOutEndToEndTest {
    private static final int VIEWERS = 200;
    private static final long BITS_PER_SECOND = 2_000_000;

    @Test
    void twoHundredViewersKeepUpWhileAStalledOneIsDroppedAndMemoryReturns(@TempDir Path dir) throws Exception {
        Path flv = FlvFixtures.makeFlv(dir, 4, "400k");
        MemoryLoadBalancer balancer = new MemoryLoadBalancer();
        SessionLifecycle lifecycle = new SessionLifecycle();
        try (FlvFileOrigin origin = new FlvFileOrigin(flv, BITS_PER_SECOND);
             HttpFront front = HttpFront.builder().bind(new InetSocketAddress("127.0.0.1", 0)).workers(2)
                     .balancer(balancer).lifecycle(lifecycle)
                     .writeStallTimeout(Duration.ofSeconds(2)).maxBufferedBytes(256 * 1024).build().start()) {
            FlvFixtures.register(balancer, "flv-origin", origin.port());
            Memory baseline = Memory.afterGc();

            try (Viewers viewers = new Viewers(front.localAddress(), "/live/livestream.flv", VIEWERS)) {
                Eventually.until(Duration.ofSeconds(30), "every viewer receives the stream", () -> {
                    long[] s = viewers.snapshot();
                    for (long b : s) {
                        if (b < 32 * 1024) {
                            return false;
                        }
                    }
                    return true;
                });
                assertThat(lifecycle.live()).hasSize(VIEWERS);

                long[] before = viewers.snapshot();
                long t0 = System.nanoTime();
                try (Socket stalled = new Socket()) {
                    stalled.setReceiveBufferSize(2048); // before connect, so the window stays small
                    stalled.connect(front.localAddress());
                    stalled.getOutputStream().write("GET /live/livestream.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    Eventually.until(Duration.ofSeconds(60), "the stalled viewer is dropped",
                            () -> front.stats().relays().getOrDefault("CLIENT_TOO_SLOW", 0L) == 1L);
                    long elapsedNanos = System.nanoTime() - t0;
                    long[] after = viewers.snapshot();
                    long expected = BITS_PER_SECOND / 8 * elapsedNanos / 1_000_000_000L;
                    long slowest = Long.MAX_VALUE;
                    for (int i = 0; i < VIEWERS; i++) {
                        slowest = Math.min(slowest, after[i] - before[i]);
                    }
                    System.out.printf("stalled viewer dropped after %d ms; slowest of %d viewers got %d of %d bytes meanwhile%n",
                            elapsedNanos / 1_000_000, VIEWERS, slowest, expected);
                    assertThat(viewers.closedCount()).as("no reading viewer was dropped").isZero();
                    assertThat(slowest).as("every reading viewer kept up while the stalled one was queued")
                            .isGreaterThan(expected / 2);
                    assertThat(front.stats().bufferedBytes()).isLessThan((VIEWERS + 1) * 256L * 1024);
                }
            }
            Eventually.until(Duration.ofSeconds(10), "every connection and session is gone",
                    () -> front.stats().openConnections() == 0 && lifecycle.live().isEmpty() && origin.viewers.get() == 0);
            Memory end = Memory.afterGc();
            System.out.println("memory baseline " + baseline + ", after " + end);
            assertThat(end.heap).as("heap after GC back to baseline").isLessThan(baseline.heap + 32L * 1024 * 1024);
            // the engine keeps at most 256 free 64 KiB buffers per worker (2 x 16 MiB) for the next
            // burst, and a JVM keeps heap it once committed: RSS stays within those bounds
            assertThat(end.rss).as("RSS within the pools' bound of the baseline")
                    .isLessThan(baseline.rss + 2 * 256 * 64 * 1024L + 96L * 1024 * 1024);
        }
    }

    /** Heap used after a full GC, and the process's RSS (direct buffers included). */
    record Memory(long heap, long rss) {
        static Memory afterGc() throws InterruptedException, IOException {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(100);
            }
            long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return new Memory(heap, rss);
        }

        @Override
        public String toString() {
            return String.format("heap %d MiB, RSS %d MiB", heap >> 20, rss >> 20);
        }
    }
}
