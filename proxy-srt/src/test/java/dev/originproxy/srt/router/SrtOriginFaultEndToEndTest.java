package dev.originproxy.srt.router;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.srt.router.SrtPeers.Recorder;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.FreePorts;
import dev.originproxy.testkit.PeerLogs;
import dev.originproxy.testkit.Tools;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.originproxy.srt.router.SrtPeers.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15 item 1 with real processes: two {@code srt-live-transmit} origin listeners, an ffmpeg
 * publisher through the router; the stream's origin is killed (SIGKILL). The publisher's session
 * ends with {@code ORIGIN_GONE} within seconds (ICMP port unreachable makes the origin suspect,
 * its silence ends the session), and a new publish of the same stream reaches the other origin,
 * byte for byte, within 5 s.
 */
@ExtendWith(PeerLogs.class)
@Timeout(90)
class SrtOriginFaultEndToEndTest {
    private static final InetAddress V4 = FreePorts.loopback();
    private static final String PUBLISH = "#!::r=live/fault,m=publish";

    @TempDir
    static Path dir;
    static Path src;
    static byte[] srcBytes;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Recorder recorder = new Recorder();
    private final SessionLifecycle lifecycle = new SessionLifecycle();

    @BeforeAll
    static void encodeSource() throws IOException {
        Tools.require("srt-live-transmit");
        src = dir.resolve("src.ts");
        try (ExternalProcess enc = ExternalProcess.start("encode", List.of(Tools.require("ffmpeg").toString(),
                "-hide_banner", "-nostdin", "-loglevel", "warning", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
                "-t", "2", "-c:v", "libx264", "-tune", "zerolatency", "-f", "mpegts", src.toString()))) {
            assertThat(enc.waitForExit(Duration.ofSeconds(60))).as(enc.log()).isZero();
        }
        srcBytes = Files.readAllBytes(src);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private ExternalProcess originReceiver(String name, InetSocketAddress address, Path out) throws Exception {
        String url = "srt://" + address.getAddress().getHostAddress() + ":" + address.getPort() + "?mode=listener";
        ExternalProcess p = track(ExternalProcess.builder(name, List.of("bash", "-c",
                "exec srt-live-transmit -a:no '" + url + "' file://con > '" + out + "'")).start());
        SrtRouterEndToEndTest.awaitSrtListener(address, p);
        return p;
    }

    /**
     * The live origin got the source byte for byte, except that its tail may be cut by at most two
     * SRT payloads: a libsrt live-mode receiver holds packets until their TSBPD delivery time
     * (arrival + 120 ms latency), and ffmpeg's SHUTDOWN after its linger can reach
     * srt-live-transmit before the last packet is delivered (seen on a quiet machine: the last
     * 376 bytes missing in about one run of ten). A proxy that relays nothing, or that loses or
     * reorders a packet anywhere before the tail, still fails.
     */
    private void assertReceivedTheStream(byte[] got) {
        int srtPayload = 1316;
        assertThat(got.length).as("bytes the live origin received of %d", srcBytes.length)
                .isBetween(srcBytes.length - 2 * srtPayload, srcBytes.length);
        assertThat(got).as("what the live origin received is the source, byte for byte")
                .isEqualTo(java.util.Arrays.copyOf(srcBytes, got.length));
    }

    private ExternalProcess push(InetSocketAddress proxy, boolean endless) {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning", "-re"));
        if (endless) {
            cmd.addAll(List.of("-stream_loop", "-1"));
        }
        cmd.addAll(List.of("-i", src.toString(), "-c", "copy", "-f", "mpegts",
                "srt://" + proxy.getAddress().getHostAddress() + ":" + proxy.getPort() + "?streamid=" + PUBLISH
                        + "&linger=1"));
        return track(ExternalProcess.start(endless ? "ffmpeg-endless" : "ffmpeg-push", cmd));
    }

    @Test
    void aKilledOriginsSessionEndsAndTheStreamIsPublishedAgainOnTheOtherOrigin() throws Exception {
        InetSocketAddress a = new InetSocketAddress(V4, FreePorts.udp());
        InetSocketAddress b = new InetSocketAddress(V4, FreePorts.udp());
        ExternalProcess originA = originReceiver("origin-a", a, dir.resolve("a.ts"));
        ExternalProcess originB = originReceiver("origin-b", b, dir.resolve("b.ts"));
        MemoryLoadBalancer balancer = new MemoryLoadBalancer();
        balancer.registry().register(SrtPeers.origin("origin-a", a));
        balancer.registry().register(SrtPeers.origin("origin-b", b));
        OriginHealth health = track(OriginHealth.builder().registry(balancer.registry())
                .refreshInterval(Duration.ofMillis(200)).build().start());
        lifecycle.addListener(recorder);
        SrtRouter router = track(SrtRouter.builder().bind(new InetSocketAddress(V4, 0)).workers(1)
                .balancer(balancer).lifecycle(lifecycle).originHealth(health).build().start());

        ExternalProcess first = push(router.localAddress(), true);
        assertThat(await(() -> router.stats().handshakesCompleted() == 1, Duration.ofSeconds(10)))
                .as(first.log()).isTrue();
        String deadId = recorder.starts.get(0).originId();
        String liveId = deadId.equals("origin-a") ? "origin-b" : "origin-a";
        Path liveOut = dir.resolve(liveId.equals("origin-a") ? "a.ts" : "b.ts");
        ExternalProcess dead = deadId.equals("origin-a") ? originA : originB;
        ExternalProcess live = deadId.equals("origin-a") ? originB : originA;

        ProcessHandle.of(dead.pid()).orElseThrow().destroyForcibly(); // SIGKILL: no SHUTDOWN to the proxy
        long killed = System.nanoTime();

        assertThat(await(() -> recorder.endsWith(EndReason.ORIGIN_GONE) == 1, Duration.ofSeconds(8)))
                .as("the session of the killed origin ends: %s", recorder.ends).isTrue();
        long goneMillis = (System.nanoTime() - killed) / 1_000_000;
        first.close();

        ExternalProcess second = push(router.localAddress(), false);
        assertThat(await(() -> router.stats().handshakesCompleted() == 2, Duration.ofSeconds(5)))
                .as(second.log()).isTrue();
        long republishMillis = (System.nanoTime() - killed) / 1_000_000;
        assertThat(second.waitForExit(Duration.ofSeconds(20))).as(second.log()).isZero();
        assertThat(live.waitForExit(Duration.ofSeconds(10))).as(live.log()).isZero();

        System.out.printf("SRT origin killed: old session ended ORIGIN_GONE after %d ms; new publish connected via %s"
                + " after %d ms%n", goneMillis, liveId, republishMillis);
        assertThat(recorder.starts.get(recorder.starts.size() - 1).originId()).isEqualTo(liveId);
        assertThat(republishMillis).as("republish within 5 s of the kill").isLessThan(5_000);
        assertReceivedTheStream(Files.readAllBytes(liveOut));
        assertThat(health.isSuspect(deadId)).isTrue();
        assertThat(balancer.placement().pick(StreamKey.of(null, "live", "fault")).id()).isEqualTo(liveId);
    }

    @Test
    void aPublishRightAfterTheKillIsPlacedAgainOnTheLiveOriginAtOnce() throws Exception {
        InetSocketAddress a = new InetSocketAddress(V4, FreePorts.udp());
        InetSocketAddress b = new InetSocketAddress(V4, FreePorts.udp());
        ExternalProcess originA = originReceiver("origin-a", a, dir.resolve("a2.ts"));
        ExternalProcess originB = originReceiver("origin-b", b, dir.resolve("b2.ts"));
        MemoryLoadBalancer balancer = new MemoryLoadBalancer();
        balancer.registry().register(SrtPeers.origin("origin-a", a));
        balancer.registry().register(SrtPeers.origin("origin-b", b));
        // the stream is placed (sticky) before its origin dies, as after an earlier publish
        String deadId = balancer.placement().pick(StreamKey.of(null, "live", "fault")).id();
        String liveId = deadId.equals("origin-a") ? "origin-b" : "origin-a";
        ExternalProcess dead = deadId.equals("origin-a") ? originA : originB;
        ExternalProcess live = deadId.equals("origin-a") ? originB : originA;
        Path liveOut = dir.resolve(liveId.equals("origin-a") ? "a2.ts" : "b2.ts");
        OriginHealth health = track(OriginHealth.builder().registry(balancer.registry()).build().start());
        lifecycle.addListener(recorder);
        SrtRouter router = track(SrtRouter.builder().bind(new InetSocketAddress(V4, 0)).workers(1)
                .balancer(balancer).lifecycle(lifecycle).originHealth(health).build().start());

        ProcessHandle.of(dead.pid()).orElseThrow().destroyForcibly();
        long killed = System.nanoTime();
        ExternalProcess push = push(router.localAddress(), false);

        assertThat(await(() -> router.stats().handshakesCompleted() == 1, Duration.ofSeconds(5)))
                .as(push.log()).isTrue();
        long connectedMillis = (System.nanoTime() - killed) / 1_000_000;
        assertThat(push.waitForExit(Duration.ofSeconds(20))).as(push.log()).isZero();
        assertThat(live.waitForExit(Duration.ofSeconds(10))).isZero();
        System.out.printf("SRT publish right after the kill connected via %s after %d ms%n", liveId, connectedMillis);
        assertReceivedTheStream(Files.readAllBytes(liveOut));
        assertThat(recorder.starts).as("the first attempt connected: no rejection, no retry").hasSize(1);
        assertThat(recorder.endsWith(EndReason.ORIGIN_REJECTED) + recorder.endsWith(EndReason.HANDSHAKE_TIMEOUT)).isZero();
        assertThat(health.isSuspect(deadId)).isTrue();
    }
}
