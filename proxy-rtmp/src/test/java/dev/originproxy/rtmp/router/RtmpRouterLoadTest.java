package dev.originproxy.rtmp.router;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.relay.api.TcpCloseReason;
import dev.originproxy.rtmp.ChunkStreamLimits;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.NginxRtmpOrigin;
import dev.originproxy.testkit.PeerLogs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many clients and a bad one: 50 ffmpeg publishers at once through two workers, and a player
 * that stops reading while another plays on (its queue stays bounded, it is disconnected, nobody
 * else is stalled).
 */
@ExtendWith(PeerLogs.class)
class RtmpRouterLoadTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final SessionLifecycle lifecycle = new SessionLifecycle();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        toClose.add(c);
        return c;
    }

    private static String url(RtmpRouter r, String stream) {
        return "rtmp://127.0.0.1:" + r.localAddress().getPort() + "/live/" + stream;
    }

    @Test
    void fiftyPublishersAtOnceAllReachTheOrigin() throws Exception {
        Path source = RtmpPeers.source(dir, 3);
        NginxRtmpOrigin nginx = track(NginxRtmpOrigin.builder().recordAll(true).start());
        MemoryLoadBalancer lb = new MemoryLoadBalancer();
        lb.registry().register(RtmpPeers.origin("nginx", nginx.rtmpPort()));
        RtmpRouter router = track(RtmpRouter.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .workers(2).balancer(lb).lifecycle(lifecycle).build().start());
        int n = 50;
        List<ExternalProcess> publishers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            publishers.add(track(RtmpPeers.publish("ffmpeg-" + i, source, url(router, "s" + i))));
        }
        for (int i = 0; i < n; i++) {
            ExternalProcess p = publishers.get(i);
            assertThat(p.waitForExit(Duration.ofSeconds(60))).as("publisher " + i + "\n" + p.log()).isZero();
        }
        for (int i = 0; i < n; i++) {
            nginx.awaitPublishEnded("s" + i, Duration.ofSeconds(20));
        }
        assertThat(RtmpPeers.packetDigests(nginx.recording("s0").toString(), Duration.ofSeconds(30)))
                .containsExactlyElementsOf(RtmpPeers.packetDigests(source.toString(), Duration.ofSeconds(30)));
        byte[] first = Files.readAllBytes(nginx.recording("s0"));
        for (int i = 1; i < n; i++) {
            assertThat(Files.readAllBytes(nginx.recording("s" + i))).as("recording of s" + i).isEqualTo(first);
        }
        RtmpRouterStats s = router.stats();
        assertThat(s.sessionsStarted()).isEqualTo(n);
        assertThat(s.drops().values().stream().mapToLong(Long::longValue).sum()).isZero();
    }

    @Test
    void playerThatStopsReadingIsBoundedAndDisconnectedWhileAnotherPlaysOn() throws Exception {
        Path noise = dir.resolve("noise.flv"); // ~11 Mbit/s: incompressible frames fill buffers fast
        try (ExternalProcess gen = ExternalProcess.start("ffmpeg-noise", List.of("ffmpeg", "-hide_banner", "-nostdin",
                "-y", "-f", "lavfi", "-i", "color=c=gray:s=320x240:r=25,noise=alls=100:allf=t", "-t", "15",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-f", "flv",
                noise.toString()))) {
            assertThat(gen.waitForExit(Duration.ofSeconds(60))).as(gen.log()).isZero();
        }
        NginxRtmpOrigin nginx = track(NginxRtmpOrigin.start());
        MemoryLoadBalancer lb = new MemoryLoadBalancer();
        lb.registry().register(RtmpPeers.origin("nginx", nginx.rtmpPort()));
        long maxBuffered = 2L << 20;
        RtmpRouter router = track(RtmpRouter.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .workers(2).balancer(lb).lifecycle(lifecycle)
                .chunkLimits(ChunkStreamLimits.defaults().withMaxMessageSize(1 << 20))
                .bufferLimits(maxBuffered, 512 << 10).writeStallTimeout(Duration.ofSeconds(2)).build().start());
        ExternalProcess publisher = track(RtmpPeers.publish("ffmpeg-publish-direct", noise, nginx.rtmpUrl("busy")));
        nginx.awaitPublishing("busy", Duration.ofSeconds(15));

        RawRtmpClient stalled = track(new RawRtmpClient(router.localAddress(), 8 << 10));
        stalled.handshake();
        stalled.connect("rtmp://127.0.0.1/live");
        stalled.createStream();
        stalled.play("busy");
        assertThat(stalled.awaitReceived("NetStream.Play.Start", Duration.ofSeconds(10))).as(stalled.received.toString())
                .isTrue();
        // from now on it reads nothing
        Path out = dir.resolve("healthy.flv");
        ExternalProcess healthy = track(ExternalProcess.start("ffmpeg-play", List.of("ffmpeg", "-hide_banner", "-nostdin",
                "-y", "-i", url(router, "busy"), "-t", "3", "-c", "copy", "-f", "flv", out.toString())));

        long maxSeen = 0;
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (router.stats().engine().closed(TcpCloseReason.WRITE_STALL) == 0 && System.nanoTime() - end < 0) {
            maxSeen = Math.max(maxSeen, router.stats().engine().bufferedBytes());
            Thread.sleep(20);
        }
        assertThat(router.stats().engine().closed(TcpCloseReason.WRITE_STALL)).as("stalled player disconnected")
                .isEqualTo(1);
        assertThat(maxSeen).as("bytes queued in the router at most").isPositive().isLessThanOrEqualTo(2 * maxBuffered);
        assertThat(healthy.waitForExit(Duration.ofSeconds(30))).as("healthy player\n" + healthy.log()).isZero();
        assertThat(RtmpPeers.packetDigests(out.toString(), Duration.ofSeconds(30))).hasSizeGreaterThan(50);
        assertThat(publisher.waitForExit(Duration.ofSeconds(30))).as("publisher not stalled\n" + publisher.log())
                .isZero();
    }
}
