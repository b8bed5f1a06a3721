package dev.originproxy.rtmp.router;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.NginxRtmpOrigin;
import dev.originproxy.testkit.PeerLogs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15 for RTMP: after the origin of a stream is killed, a new publish of the same stream
 * succeeds on the other live origin within 5 s (the dead one is marked suspect on the refused
 * connect and the session is placed once more).
 */
@ExtendWith(PeerLogs.class)
class RtmpRouterOriginFailoverTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();

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

    @Test
    void republishAfterTheOriginDiedSucceedsOnTheOtherOriginWithinFiveSeconds() throws Exception {
        Path source = RtmpPeers.source(dir, 2);
        NginxRtmpOrigin a = track(NginxRtmpOrigin.builder().recordAll(true).start());
        NginxRtmpOrigin b = track(NginxRtmpOrigin.builder().recordAll(true).start());
        MemoryLoadBalancer lb = new MemoryLoadBalancer();
        lb.registry().register(RtmpPeers.origin("a", a.rtmpPort()));
        lb.registry().register(RtmpPeers.origin("b", b.rtmpPort()));
        OriginHealth health = track(OriginHealth.builder().registry(lb.registry()).refreshInterval(Duration.ofMillis(200))
                .build().start());
        RtmpRouter router = track(RtmpRouter.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .workers(1).balancer(lb).lifecycle(new SessionLifecycle()).originHealth(health).build().start());
        String url = "rtmp://127.0.0.1:" + router.localAddress().getPort() + "/live/phoenix";

        ExternalProcess first = track(RtmpPeers.publish("ffmpeg-first", source, url));
        assertThat(first.waitForExit(Duration.ofSeconds(30))).as(first.log()).isZero();
        String placedOn = lb.placement().placements().get("__defaultVhost__/live/phoenix");
        assertThat(placedOn).isIn("a", "b");
        NginxRtmpOrigin dead = placedOn.equals("a") ? a : b;
        NginxRtmpOrigin alive = placedOn.equals("a") ? b : a;
        dead.close(); // killed: its RTMP port now refuses connections

        long t0 = System.nanoTime();
        ExternalProcess again = track(RtmpPeers.publish("ffmpeg-again", source, url));
        alive.awaitPublishing("phoenix", Duration.ofSeconds(5));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).as("republish reached the live origin").isLessThan(Duration.ofSeconds(5));
        assertThat(again.waitForExit(Duration.ofSeconds(30))).as(again.log()).isZero();
        alive.awaitPublishEnded("phoenix", Duration.ofSeconds(10));
        assertThat(RtmpPeers.packetDigests(alive.recording("phoenix").toString(), Duration.ofSeconds(30)))
                .containsExactlyElementsOf(RtmpPeers.packetDigests(source.toString(), Duration.ofSeconds(30)));
        assertThat(health.isSuspect(placedOn)).isTrue();
        assertThat(lb.placement().placements()).containsEntry("__defaultVhost__/live/phoenix",
                placedOn.equals("a") ? "b" : "a");
        assertThat(router.stats().sessionsStarted()).isEqualTo(2);
        assertThat(Map.copyOf(router.stats().drops()).values()).containsOnly(0L);
    }
}
