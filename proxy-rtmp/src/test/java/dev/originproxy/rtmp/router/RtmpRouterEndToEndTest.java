package dev.originproxy.rtmp.router;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.NginxRtmpOrigin;
import dev.originproxy.testkit.PeerLogs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RTMP router between real peers: ffmpeg publishing through the router to nginx-rtmp (what
 * nginx records has every packet of the source), ffmpeg and rtmpdump playing through the router
 * what was published to nginx directly.
 */
@ExtendWith(PeerLogs.class)
class RtmpRouterEndToEndTest {
    @TempDir
    static Path dir;
    static Path source;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    final SessionLifecycle lifecycle = new SessionLifecycle();
    final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void makeSource() {
        source = RtmpPeers.source(dir, 4);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    <T extends AutoCloseable> T track(T c) {
        toClose.add(c);
        return c;
    }

    RtmpRouter router(MemoryLoadBalancer lb) throws Exception {
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onStart(SessionInfo session) {
                events.add("start " + session.direction() + " " + session.streamKey());
            }

            @Override
            public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
                events.add("end " + session.direction() + " " + session.streamKey() + " " + reason);
            }
        });
        return track(RtmpRouter.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).workers(2)
                .balancer(lb).lifecycle(lifecycle).build().start());
    }

    static MemoryLoadBalancer balancerWith(NginxRtmpOrigin... origins) {
        MemoryLoadBalancer lb = new MemoryLoadBalancer();
        int i = 0;
        for (NginxRtmpOrigin o : origins) {
            lb.registry().register(RtmpPeers.origin("nginx-" + (++i), o.rtmpPort()));
        }
        return lb;
    }

    static String url(RtmpRouter r, String app, String stream) {
        return "rtmp://127.0.0.1:" + r.localAddress().getPort() + "/" + app + "/" + stream;
    }

    @Test
    void ffmpegPublishesThroughTheRouterAndNginxRecordsEveryPacket() throws Exception {
        NginxRtmpOrigin nginx = track(NginxRtmpOrigin.builder().recordAll(true).start());
        RtmpRouter router = router(balancerWith(nginx));
        ExternalProcess ffmpeg = track(RtmpPeers.publish("ffmpeg-publish", source, url(router, "live", "livestream")));
        assertThat(ffmpeg.waitForExit(Duration.ofSeconds(30))).as("ffmpeg publish\n" + ffmpeg.log()).isZero();
        nginx.awaitPublishEnded("livestream", Duration.ofSeconds(10));

        List<String> expected = RtmpPeers.packetDigests(source.toString(), Duration.ofSeconds(30));
        List<String> recorded = RtmpPeers.packetDigests(nginx.recording("livestream").toString(), Duration.ofSeconds(30));
        assertThat(expected).hasSizeGreaterThan(100);
        assertThat(recorded).containsExactlyElementsOf(expected);
        awaitEvents("end PUBLISH __defaultVhost__/live/livestream CLIENT_CLOSED");
        assertThat(events).first().isEqualTo("start PUBLISH __defaultVhost__/live/livestream");
        RtmpRouterStats s = router.stats();
        assertThat(s.sessionsStarted()).isEqualTo(1);
        assertThat(s.messagesFromClients()).isGreaterThanOrEqualTo(expected.size());
        assertThat(s.sessions()).isZero();
    }

    void awaitEvents(String last) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!events.contains(last)) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("no '" + last + "' in " + events);
            }
            Thread.sleep(20);
        }
    }
}
