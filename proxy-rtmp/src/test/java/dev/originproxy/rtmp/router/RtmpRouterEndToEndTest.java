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
    static Path longSource;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    final SessionLifecycle lifecycle = new SessionLifecycle();
    final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void makeSource() {
        source = RtmpPeers.source(dir, 4);
        longSource = RtmpPeers.source(dir, 12);
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

    @Test
    void ffmpegPlaysThroughTheRouterWhatWasPublishedToNginx() throws Exception {
        NginxRtmpOrigin nginx = track(NginxRtmpOrigin.start());
        RtmpRouter router = router(balancerWith(nginx));
        track(RtmpPeers.publish("ffmpeg-publish-direct", longSource, nginx.rtmpUrl("played")));
        nginx.awaitPublishing("played", Duration.ofSeconds(15));
        Path out = dir.resolve("played-ffmpeg.flv");
        ExternalProcess player = track(ExternalProcess.start("ffmpeg-play", List.of("ffmpeg", "-hide_banner", "-nostdin",
                "-y", "-i", url(router, "live", "played"), "-t", "3", "-c", "copy", "-f", "flv", out.toString())));
        assertThat(player.waitForExit(Duration.ofSeconds(30))).as("ffmpeg play\n" + player.log()).isZero();
        RtmpPeers.assertContiguousPacketsOf(RtmpPeers.packetDigests(longSource.toString(), Duration.ofSeconds(30)),
                RtmpPeers.packetDigests(out.toString(), Duration.ofSeconds(30)), 50);
        awaitEvents("end PLAY __defaultVhost__/live/played CLIENT_CLOSED");
        assertThat(router.stats().messagesFromOrigins()).isGreaterThan(50);
    }

    @Test
    void rtmpdumpPlaysThroughTheRouterWhatWasPublishedToNginx() throws Exception {
        NginxRtmpOrigin nginx = track(NginxRtmpOrigin.start());
        RtmpRouter router = router(balancerWith(nginx));
        track(RtmpPeers.publish("ffmpeg-publish-direct", longSource, nginx.rtmpUrl("dumped")));
        nginx.awaitPublishing("dumped", Duration.ofSeconds(15));
        Path out = dir.resolve("played-rtmpdump.flv");
        // rtmpdump's --stop counts from timestamp 0, which a live player joining late never sees:
        // stop it (SIGTERM: it closes its file) once it has written a few seconds of media
        try (ExternalProcess player = ExternalProcess.start("rtmpdump", List.of("rtmpdump", "--live",
                "-r", url(router, "live", "dumped"), "-o", out.toString()))) {
            player.waitForLine(java.util.regex.Pattern.compile("Connected"), Duration.ofSeconds(15));
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while ((!java.nio.file.Files.exists(out) || java.nio.file.Files.size(out) < 150_000)
                    && System.nanoTime() - end < 0) {
                assertThat(player.isAlive()).as("rtmpdump exited early\n" + player.log()).isTrue();
                Thread.sleep(50);
            }
        }
        RtmpPeers.assertContiguousPacketsOf(RtmpPeers.packetDigests(longSource.toString(), Duration.ofSeconds(30)),
                RtmpPeers.packetDigests(out.toString(), Duration.ofSeconds(30)), 40);
    }

    @Test
    void queryTokenReachesTheOriginAndItsRefusalReachesFfmpeg() throws Exception {
        RtmpPeers.Callbacks auth = track(new RtmpPeers.Callbacks(body -> body.contains("token=good")));
        List<String> calls = auth.bodies;
        NginxRtmpOrigin nginx = track(NginxRtmpOrigin.builder().recordAll(true)
                .onPublish(auth.url()).start());
        RtmpRouter router = router(balancerWith(nginx));

        ExternalProcess good = track(RtmpPeers.publish("ffmpeg-good-token", source,
                url(router, "live", "guarded?token=good")));
        assertThat(good.waitForExit(Duration.ofSeconds(30))).as("publish with the right token\n" + good.log()).isZero();
        assertThat(calls).anySatisfy(c -> assertThat(c).contains("name=guarded", "token=good"));
        nginx.awaitPublishEnded("guarded", Duration.ofSeconds(10));
        assertThat(RtmpPeers.packetDigests(nginx.recording("guarded").toString(), Duration.ofSeconds(30)))
                .containsExactlyElementsOf(RtmpPeers.packetDigests(source.toString(), Duration.ofSeconds(30)));

        ExternalProcess bad = track(RtmpPeers.publish("ffmpeg-bad-token", source,
                url(router, "live", "guarded?token=bad")));
        assertThat(bad.waitForExit(Duration.ofSeconds(30))).as("publish with a wrong token\n" + bad.log()).isNotZero();
        assertThat(calls).anySatisfy(c -> assertThat(c).contains("name=guarded", "token=bad"));
        assertThat(bad.log()).containsIgnoringCase("error");
        assertThat(router.stats().dropped(RtmpDropReason.ORIGIN_REJECTED)).isEqualTo(1);
        assertThat(router.stats().sessionsStarted()).isEqualTo(1);
    }

    @Test
    void twoStreamsGoToTheirTwoOrigins() throws Exception {
        NginxRtmpOrigin a = track(NginxRtmpOrigin.builder().recordAll(true).start());
        NginxRtmpOrigin b = track(NginxRtmpOrigin.builder().recordAll(true).start());
        RtmpPeers.ByStream placement = new RtmpPeers.ByStream()
                .put("first", RtmpPeers.origin("a", a.rtmpPort()))
                .put("second", RtmpPeers.origin("b", b.rtmpPort()));
        RtmpRouter router = track(RtmpRouter.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .workers(2).placement(placement).lifecycle(lifecycle).build().start());
        ExternalProcess first = track(RtmpPeers.publish("ffmpeg-first", source, url(router, "live", "first")));
        ExternalProcess second = track(RtmpPeers.publish("ffmpeg-second", source, url(router, "live", "second")));
        assertThat(first.waitForExit(Duration.ofSeconds(30))).as(first.log()).isZero();
        assertThat(second.waitForExit(Duration.ofSeconds(30))).as(second.log()).isZero();
        a.awaitPublishEnded("first", Duration.ofSeconds(10));
        b.awaitPublishEnded("second", Duration.ofSeconds(10));
        List<String> expected = RtmpPeers.packetDigests(source.toString(), Duration.ofSeconds(30));
        assertThat(RtmpPeers.packetDigests(a.recording("first").toString(), Duration.ofSeconds(30)))
                .containsExactlyElementsOf(expected);
        assertThat(RtmpPeers.packetDigests(b.recording("second").toString(), Duration.ofSeconds(30)))
                .containsExactlyElementsOf(expected);
        assertThat(a.recordDirectory().resolve("second.flv")).doesNotExist();
        assertThat(b.recordDirectory().resolve("first.flv")).doesNotExist();
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
