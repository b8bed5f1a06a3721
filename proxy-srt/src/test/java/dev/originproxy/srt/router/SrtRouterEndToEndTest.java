package dev.originproxy.srt.router;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.router.SrtPeers.Placement;
import dev.originproxy.srt.router.SrtPeers.Recorder;
import dev.originproxy.srt.router.SrtPeers.TestCaller;
import dev.originproxy.srt.router.SrtPeers.TestOrigin;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.FreePorts;
import dev.originproxy.testkit.PeerLogs;
import dev.originproxy.testkit.Tools;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.originproxy.srt.router.SrtPeers.await;
import static dev.originproxy.srt.router.SrtPeers.handshake;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real libsrt peers through the router: ffmpeg and srt-live-transmit as callers,
 * srt-live-transmit as the origin's listener. Received files are compared byte for byte with
 * the source (ffmpeg {@code -c copy} of a TS is deterministic: 79,900 bytes).
 */
@ExtendWith(PeerLogs.class)
class SrtRouterEndToEndTest {
    private static final String PUBLISH = "#!::r=live/livestream,m=publish";
    private static final String PASS = "passphrase=0123456789abcdef&pbkeylen=16";
    private static final InetAddress V4 = FreePorts.loopback();

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
        Tools.require("ffmpeg");
        src = dir.resolve("src.ts");
        try (ExternalProcess enc = ExternalProcess.start("encode", List.of(Tools.require("ffmpeg").toString(),
                "-hide_banner", "-nostdin", "-loglevel", "warning", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                "-f", "lavfi", "-i", "sine", "-t", "3", "-c:v", "libx264", "-tune", "zerolatency", "-c:a", "aac",
                "-f", "mpegts", src.toString()))) {
            assertThat(enc.waitForExit(Duration.ofSeconds(60))).as(enc.log()).isZero();
        }
        srcBytes = Files.readAllBytes(src);
        assertThat(srcBytes.length).isGreaterThan(10_000);
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

    private static String host(InetAddress a) {
        return a.getAddress().length == 16 ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
    }

    /** srt-live-transmit listening on {@code address}, writing what it receives to {@code out}. */
    private ExternalProcess originReceiver(InetSocketAddress address, String query, Path out) throws Exception {
        String url = "srt://" + host(address.getAddress()) + ":" + address.getPort() + "?mode=listener"
                + (query.isEmpty() ? "" : "&" + query);
        ExternalProcess p = track(ExternalProcess.builder("origin-slt", List.of("bash", "-c",
                "exec srt-live-transmit -a:no '" + url + "' file://con > '" + out + "'")).start());
        awaitSrtListener(address, p);
        return p;
    }

    /** Readiness: the listener answers an INDUCTION (libsrt keeps no state for it). */
    static void awaitSrtListener(InetSocketAddress address, ExternalProcess p) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(address.getAddress(), 0))) {
            probe.setSoTimeout(100);
            byte[] induction = new TestCaller(address, probe).induction();
            while (System.nanoTime() - end < 0) {
                assertThat(p.isAlive()).as("origin exited early\n" + p.log()).isTrue();
                probe.send(new DatagramPacket(induction, induction.length, address));
                try {
                    DatagramPacket answer = new DatagramPacket(new byte[256], 256);
                    probe.receive(answer);
                    return;
                } catch (SocketTimeoutException e) {
                    // not listening yet
                }
            }
        }
        throw new AssertionError("srt listener on " + address + " not ready within 10 s\n" + p.log());
    }

    private SrtRouter router(InetAddress bind, MemoryLoadBalancer balancer) throws IOException {
        lifecycle.addListener(recorder);
        return track(SrtRouter.builder().bind(new InetSocketAddress(bind, 0)).workers(1).balancer(balancer)
                .lifecycle(lifecycle).build().start());
    }

    private MemoryLoadBalancer balancerWith(InetSocketAddress originSrt) {
        MemoryLoadBalancer lb = new MemoryLoadBalancer();
        lb.registry().register(SrtPeers.origin("origin-1", originSrt));
        return lb;
    }

    private ExternalProcess ffmpegPush(InetSocketAddress proxy, String streamId, String extra) {
        return ffmpegPush(proxy, streamId, extra, false);
    }

    /**
     * @param realtime pace the push at the media's rate ({@code -re}); two unpaced pushes at once
     *     can outrun SRT's live-mode latency on a loaded machine, which then drops late packets
     */
    private ExternalProcess ffmpegPush(InetSocketAddress proxy, String streamId, String extra, boolean realtime) {
        String url = "srt://" + host(proxy.getAddress()) + ":" + proxy.getPort() + "?streamid=" + streamId
                + (extra.isEmpty() ? "" : "&" + extra) + "&linger=1";
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning"));
        if (realtime) {
            cmd.add("-re");
        }
        cmd.addAll(List.of("-i", src.toString(), "-c", "copy", "-f", "mpegts", url));
        return track(ExternalProcess.start("ffmpeg-push", cmd));
    }

    /** Pushes through the proxy and checks the origin received exactly the source. */
    private void publishesByteIdentical(InetAddress family, String streamId, String passQuery) throws Exception {
        InetSocketAddress originAddress = new InetSocketAddress(family, FreePorts.udp());
        Path out = dir.resolve("out-" + System.nanoTime() + ".ts");
        ExternalProcess origin = originReceiver(originAddress, passQuery, out);
        SrtRouter router = router(family, balancerWith(originAddress));

        ExternalProcess push = ffmpegPush(router.localAddress(), streamId, passQuery);

        assertThat(push.waitForExit(Duration.ofSeconds(20))).as("ffmpeg exit code").isZero();
        assertThat(origin.waitForExit(Duration.ofSeconds(10))).as("origin exit code").isZero();
        assertThat(Files.readAllBytes(out)).as("received TS").isEqualTo(srcBytes);
        assertThat(await(() -> recorder.ends.size() == 1, Duration.ofSeconds(3))).as(recorder.ends.toString()).isTrue();
        assertThat(recorder.starts).hasSize(1);
        assertThat(recorder.endsWith(EndReason.CLIENT_CLOSED) + recorder.endsWith(EndReason.ORIGIN_CLOSED))
                .isEqualTo(1);
        SessionCounters c = recorder.endCounters.get(0);
        assertThat(c.bytesFromClient()).isGreaterThan(srcBytes.length);
        assertThat(router.openLegs()).isZero();
        assertThat(router.sessions()).isEmpty();
    }

    @Test
    void publishWithAccessControlStreamIdArrivesByteIdentical() throws Exception {
        publishesByteIdentical(V4, PUBLISH, "");
        assertThat(recorder.starts.get(0).direction()).isEqualTo(dev.originproxy.core.Direction.PUBLISH);
    }

    @Test
    void publishWithPlainStreamIdArrivesByteIdentical() throws Exception {
        publishesByteIdentical(V4, "live/livestream", "");
        assertThat(recorder.starts.get(0).streamKey().toString()).endsWith("live/livestream");
    }

    @Test
    void encryptedPublishPassesThroughTheProxy() throws Exception {
        publishesByteIdentical(V4, PUBLISH, PASS);
    }

    @Test
    void publishOverIpv6ArrivesByteIdentical() throws Exception {
        publishesByteIdentical(InetAddress.getByName("::1"), PUBLISH, "");
    }

    @Test
    void wrongPassphraseIsRejectedByTheOriginAndFfmpegFailsFast() throws Exception {
        InetSocketAddress originAddress = new InetSocketAddress(V4, FreePorts.udp());
        originReceiver(originAddress, PASS, dir.resolve("out-bad.ts"));
        SrtRouter router = router(V4, balancerWith(originAddress));

        long t0 = System.nanoTime();
        ExternalProcess push = ffmpegPush(router.localAddress(), PUBLISH,
                "passphrase=WRONGWRONGWRONG1&pbkeylen=16");
        int exit = push.waitForExit(Duration.ofSeconds(10));
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(exit).as(push.log()).isNotZero();
        assertThat(tookMillis).as("ffmpeg gave up after %d ms", tookMillis).isLessThan(2000);
        assertThat(await(() -> recorder.endsWith(EndReason.ORIGIN_REJECTED) == 1, Duration.ofSeconds(2))).isTrue();
        assertThat(router.openLegs()).isZero();
    }

    @Test
    void srtLiveTransmitCallerPublishesThroughTheProxy() throws Exception {
        InetSocketAddress originAddress = new InetSocketAddress(V4, FreePorts.udp());
        Path out = dir.resolve("out-slt.ts");
        ExternalProcess origin = originReceiver(originAddress, "", out);
        SrtRouter router = router(V4, balancerWith(originAddress));
        InetSocketAddress proxy = router.localAddress();

        // stdin must be a pipe (libsrt's poll refuses a regular file), and paced in real time:
        // srt-live-transmit discards what it reads before it is connected
        ExternalProcess caller = track(ExternalProcess.start("slt-caller", List.of("bash", "-c",
                "ffmpeg -hide_banner -nostdin -loglevel warning -re -i '" + src + "' -c copy -f mpegts - "
                        + "| exec srt-live-transmit -a:no -t:5 -c:1316 file://con 'srt://127.0.0.1:"
                        + proxy.getPort() + "?streamid=" + PUBLISH + "'")));

        caller.waitForLine(l -> l.contains("SRT target connected"), Duration.ofSeconds(5));
        caller.waitForExit(Duration.ofSeconds(10));
        assertThat(origin.waitForExit(Duration.ofSeconds(10))).isZero();
        // srt-live-transmit sends whole 1316-byte chunks: the last partial chunk stays behind
        int whole = srcBytes.length / 1316 * 1316;
        byte[] received = Files.readAllBytes(out);
        assertThat(received.length).as("bytes received").isEqualTo(whole);
        assertThat(Arrays.equals(received, Arrays.copyOf(srcBytes, whole))).as("prefix of the source").isTrue();
        assertThat(recorder.starts).hasSize(1);
    }

    @Test
    void twoStreamsAtOnceArePlacedOnTwoOrigins() throws Exception {
        InetSocketAddress a = new InetSocketAddress(V4, FreePorts.udp());
        InetSocketAddress b = new InetSocketAddress(V4, FreePorts.udp());
        Path outA = dir.resolve("out-a.ts");
        Path outB = dir.resolve("out-b.ts");
        ExternalProcess originA = originReceiver(a, "", outA);
        ExternalProcess originB = originReceiver(b, "", outB);
        Placement placement = new Placement().put("one", SrtPeers.origin("A", a)).put("two", SrtPeers.origin("B", b));
        lifecycle.addListener(recorder);
        SrtRouter router = track(SrtRouter.builder().bind(new InetSocketAddress(V4, 0)).workers(1)
                .placement(placement).lifecycle(lifecycle).build().start());

        ExternalProcess pushA = ffmpegPush(router.localAddress(), "#!::r=live/one,m=publish", "", true);
        ExternalProcess pushB = ffmpegPush(router.localAddress(), "#!::r=live/two,m=publish", "", true);

        assertThat(pushA.waitForExit(Duration.ofSeconds(20))).isZero();
        assertThat(pushB.waitForExit(Duration.ofSeconds(20))).isZero();
        assertThat(originA.waitForExit(Duration.ofSeconds(10))).isZero();
        assertThat(originB.waitForExit(Duration.ofSeconds(10))).isZero();
        assertThat(Files.readAllBytes(outA)).isEqualTo(srcBytes);
        assertThat(Files.readAllBytes(outB)).isEqualTo(srcBytes);
        assertThat(recorder.starts).extracting(s -> s.originId()).containsExactlyInAnyOrder("A", "B");
    }

    @Test
    void silentOriginDoesNotDelayAnotherCallersHandshake() throws Exception {
        TestOrigin silent = track(new TestOrigin(V4, TestOrigin.Mode.SILENT, 0, 0));
        InetSocketAddress healthy = new InetSocketAddress(V4, FreePorts.udp());
        Path out = dir.resolve("out-healthy.ts");
        ExternalProcess origin = originReceiver(healthy, "", out);
        Placement placement = new Placement().put("dead", SrtPeers.origin("dead", silent.address()))
                .put("livestream", SrtPeers.origin("ok", healthy));
        lifecycle.addListener(recorder);
        SrtRouter router = track(SrtRouter.builder().bind(new InetSocketAddress(V4, 0)).workers(1)
                .placement(placement).lifecycle(lifecycle).build().start());

        ExternalProcess stuck = ffmpegPush(router.localAddress(), "#!::r=live/dead,m=publish", "");
        assertThat(await(() -> silent.inductions.get() >= 1, Duration.ofSeconds(5))).isTrue();
        long t0 = System.nanoTime();
        ExternalProcess push = ffmpegPush(router.localAddress(), PUBLISH, "");
        assertThat(push.waitForExit(Duration.ofSeconds(20))).isZero();
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(stuck.isAlive()).as("the caller of the silent origin is still waiting").isTrue();
        assertThat(tookMillis).as("healthy push took %d ms", tookMillis).isLessThan(2500);
        assertThat(origin.waitForExit(Duration.ofSeconds(10))).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(srcBytes);
        assertThat(stuck.waitForExit(Duration.ofSeconds(10))).isNotZero();
        // libsrt gives up after about 3 s, as the router's default deadline does: either may be first
        assertThat(await(() -> router.stats().handshakeTimeouts() == 1, Duration.ofSeconds(2))).isTrue();
        assertThat(await(() -> router.openLegs() == 0, Duration.ofSeconds(2))).isTrue();
    }

    @Test
    void conclusionSentToAnotherFleetMemberConnectsToARealOrigin() throws Exception {
        InetSocketAddress originAddress = new InetSocketAddress(V4, FreePorts.udp());
        originReceiver(originAddress, "", dir.resolve("out-fleet.ts"));
        byte[] secret = "shared by every proxy of the fleet".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        MemoryLoadBalancer lb = balancerWith(originAddress);
        lifecycle.addListener(recorder);
        SrtRouter a = track(SrtRouter.builder().bind(new InetSocketAddress(V4, 0)).workers(1).balancer(lb)
                .cookieSecret(secret).build().start());
        SrtRouter b = track(SrtRouter.builder().bind(new InetSocketAddress(V4, 0)).workers(1).balancer(lb)
                .cookieSecret(secret).lifecycle(lifecycle).build().start());
        TestCaller toA = track(new TestCaller(a.localAddress()));
        TestCaller toB = new TestCaller(b.localAddress(), toA.socket);

        int cookie = toA.induce();
        toB.send(toA.conclusion(cookie, PUBLISH));
        SrtHandshake answer = handshake(toA.expect(Duration.ofSeconds(3)));

        assertThat(answer.isConclusion()).isTrue();
        assertThat(answer.srtSocketId()).isNotZero().isNotEqualTo(toA.socketId);
        assertThat(answer.destinationSocketId()).isEqualTo(toA.socketId);
        assertThat(answer.findExtension(SrtHandshake.EXT_HSRSP)).isPositive();
        assertThat(b.openLegs()).isEqualTo(1);
        assertThat(a.openLegs()).isZero();
        assertThat(recorder.starts).hasSize(1);
    }

    /**
     * Play ({@code m=request}): the origin sends, the caller receives. ffmpeg is the origin's
     * listener because it waits for the caller before it reads its input, so nothing is sent
     * before the session exists; srt-live-transmit is the receiving caller.
     */
    @Test
    void playDeliversTheOriginsStreamToTheCallerByteIdentical() throws Exception {
        InetSocketAddress originAddress = new InetSocketAddress(V4, FreePorts.udp());
        ExternalProcess origin = track(ExternalProcess.start("origin-ffmpeg-sender", List.of("ffmpeg",
                "-hide_banner", "-nostdin", "-loglevel", "warning", "-i", src.toString(), "-c", "copy",
                "-f", "mpegts", "srt://" + host(V4) + ":" + originAddress.getPort() + "?mode=listener&linger=1")));
        awaitSrtListener(originAddress, origin);
        SrtRouter router = router(V4, balancerWith(originAddress));
        Path out = dir.resolve("play-" + System.nanoTime() + ".ts");

        ExternalProcess player = track(ExternalProcess.builder("player-slt", List.of("bash", "-c",
                "exec srt-live-transmit -a:no 'srt://" + host(V4) + ":" + router.localAddress().getPort()
                        + "?streamid=#!::r=live/livestream,m=request' file://con > '" + out + "'")).start());

        assertThat(origin.waitForExit(Duration.ofSeconds(20))).as("origin (sender) exit code").isZero();
        assertThat(player.waitForExit(Duration.ofSeconds(10))).as("player exit code").isZero();
        assertThat(Files.readAllBytes(out)).as("TS received by the caller").isEqualTo(srcBytes);
        assertThat(recorder.starts).hasSize(1);
        assertThat(recorder.starts.get(0).direction()).isEqualTo(dev.originproxy.core.Direction.PLAY);
        assertThat(await(() -> recorder.ends.size() == 1, Duration.ofSeconds(3))).as(recorder.ends.toString()).isTrue();
        assertThat(recorder.endCounters.get(0).bytesFromOrigin()).isGreaterThan(srcBytes.length);
        assertThat(router.openLegs()).isZero();
    }
}
