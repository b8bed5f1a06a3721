package dev.originproxy.http;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancers;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.FreePorts;
import dev.originproxy.testkit.JsonLines;
import dev.originproxy.testkit.NginxRtmpOrigin;
import dev.originproxy.testkit.NodePeers;
import dev.originproxy.testkit.PeerLogs;
import dev.originproxy.testkit.Tools;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HLS end to end with real peers: nginx with libnginx-mod-rtmp as the HLS origin ({@code hls on},
 * 1 s fragments, served by its own HTTP server under {@code /live/}), fed by ffmpeg over RTMP
 * straight to the origin (test pattern and a tone, a key frame every second); ffmpeg and hls.js
 * in headless Chromium play through the proxy; two proxy fronts share one real redis-server.
 */
@ExtendWith(PeerLogs.class)
class HlsEndToEndTest {
    private static final Pattern SESSION = Pattern.compile("spbhid=([A-Za-z0-9_-]{22})");
    private static final String LIVE = "livestream";

    @TempDir
    static Path dir;
    private static NginxRtmpOrigin origin;
    private static ExternalProcess livePublisher;
    private static Path playerDir;

    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeAll
    static void startOrigin() throws Exception {
        origin = NginxRtmpOrigin.builder().hls(true).hlsPlaylistSeconds(30).start();
        livePublisher = publish(LIVE, true, 60);
        awaitSegments(LIVE, 3, Duration.ofSeconds(30));
        playerDir = Files.createDirectories(dir.resolve("player"));
        try (InputStream page = HlsEndToEndTest.class.getResourceAsStream("/hls-player/hls-player.html")) {
            Files.copy(page, playerDir.resolve("hls-player.html"));
        }
        Path hlsJs = NodePeers.repoRoot().resolve("e2e-peers/node_modules/hls.js/dist/hls.min.js");
        if (Files.isRegularFile(hlsJs)) {
            Files.copy(hlsJs, playerDir.resolve("hls.min.js"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @AfterAll
    static void stopOrigin() {
        if (livePublisher != null) {
            livePublisher.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @AfterEach
    void closeFronts() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    /** ffmpeg publishing a generated source over RTMP straight to the origin. */
    private static ExternalProcess publish(String stream, boolean realTime, int seconds) {
        List<String> cmd = new ArrayList<>(List.of(Tools.require("ffmpeg").toString(), "-hide_banner", "-nostdin",
                "-loglevel", "warning"));
        if (realTime) {
            cmd.add("-re");
        }
        cmd.addAll(List.of("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=44100", "-t", Integer.toString(seconds),
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
                "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k",
                "-f", "flv", origin.rtmpUrl(stream)));
        return ExternalProcess.start("ffmpeg-publish-" + stream, cmd);
    }

    private static String originPlaylist(String stream) throws IOException {
        try (RawClient c = new RawClient(new InetSocketAddress("127.0.0.1", origin.httpPort()))) {
            RawClient.Response r = c.send("GET /live/" + stream + ".m3u8 HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n")
                    .read();
            return r.status() == 200 ? r.bodyText() : "";
        }
    }

    private static List<String> uris(String playlist) {
        List<String> out = new ArrayList<>();
        for (String line : playlist.split("\n")) {
            String l = line.trim();
            if (!l.isEmpty() && !l.startsWith("#")) {
                out.add(l);
            }
        }
        return out;
    }

    private static void awaitSegments(String stream, int count, Duration deadline) throws Exception {
        Eventually.until(deadline, count + " segments of " + stream + " at the origin",
                () -> {
                    try {
                        return uris(originPlaylist(stream)).size() >= count;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    private static OriginServer originServer() {
        return new OriginServer("nginx-rtmp", "nginx-rtmp", "127.0.0.1", Map.of(
                OriginProtocol.HTTP, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, null, origin.httpPort())),
                OriginProtocol.RTMP, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, null, origin.rtmpPort()))),
                Instant.now());
    }

    private HttpFront front(OriginLoadBalancer balancer, SessionLifecycle lifecycle) throws IOException {
        HttpFront f = HttpFront.builder().bind(new InetSocketAddress("127.0.0.1", 0)).workers(1)
                .balancer(balancer).lifecycle(lifecycle).staticFiles(playerDir).build().start();
        closeAfter.add(f);
        return f;
    }

    private HttpFront memoryFront(SessionLifecycle lifecycle) throws IOException {
        MemoryLoadBalancer b = new MemoryLoadBalancer();
        b.registry().register(originServer());
        return front(b, lifecycle);
    }

    private static RawClient.Response get(HttpFront f, String target) throws IOException {
        try (RawClient c = new RawClient(f.localAddress())) {
            return c.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + f.localAddress().getPort()
                    + "\r\nConnection: close\r\n\r\n").read();
        }
    }

    private static String sessionOf(String playlist) {
        Matcher m = SESSION.matcher(playlist);
        assertThat(m.find()).as("a session id in %s", playlist).isTrue();
        return m.group(1);
    }

    private static String framemd5(String url, Path out) throws Exception {
        try (ExternalProcess p = ExternalProcess.start("ffmpeg-hls-read", List.of(Tools.require("ffmpeg").toString(),
                "-hide_banner", "-nostdin", "-loglevel", "warning", "-y", "-live_start_index", "0",
                "-m3u8_hold_counters", "2", "-i", url, "-c", "copy", "-f", "framemd5", out.toString()))) {
            int exit = p.waitForExit(Duration.ofSeconds(60));
            assertThat(exit).as("ffmpeg reading %s:\n%s", url, p.log()).isZero();
        }
        return Files.readString(out);
    }

    @Test
    void ffmpegPlaysHlsThroughTheProxyWithEverySegmentAndTheOriginsFrames() throws Exception {
        String stream = "vod";
        try (ExternalProcess p = publish(stream, false, 6)) {
            assertThat(p.waitForExit(Duration.ofSeconds(60))).as(p.log()).isZero();
        }
        origin.awaitPublishEnded(stream, Duration.ofSeconds(10));
        int segments = uris(originPlaylist(stream)).size();
        assertThat(segments).isGreaterThanOrEqualTo(5);
        SessionLifecycle lifecycle = new SessionLifecycle();
        HttpFront front = memoryFront(lifecycle);

        String direct = framemd5(origin.hlsUrl(stream).toString(), dir.resolve("direct.md5"));
        String proxied = framemd5("http://127.0.0.1:" + front.localAddress().getPort() + "/live/" + stream + ".m3u8",
                dir.resolve("proxied.md5"));

        long packets = proxied.lines().filter(l -> !l.startsWith("#")).count();
        assertThat(packets).as("video and audio packets of 6 s read through the proxy").isGreaterThan(250);
        assertThat(proxied).isEqualTo(direct);
        assertThat(front.hlsStats().mediaRelayed()).as("segments relayed").isGreaterThanOrEqualTo(segments);
        assertThat(front.hlsStats().sessionsCreated()).isEqualTo(1);
        assertThat(lifecycle.live()).singleElement().satisfies(s -> assertThat(s.protocol()).isEqualTo(SessionProtocol.HLS));
    }

    @Test
    void hlsJsInChromiumPlaysThroughTheProxyPastThreeSeconds() throws Exception {
        NodePeers peers = NodePeers.locate();
        assertThat(playerDir.resolve("hls.min.js")).as("hls.js installed: npm ci --prefix e2e-peers").isRegularFile();
        HttpFront front = memoryFront(new SessionLifecycle());
        Path screenshot = Files.createDirectories(Path.of("target", "hls-e2e")).resolve("hlsjs-through-proxy.png")
                .toAbsolutePath();
        Files.deleteIfExists(screenshot);
        String page = "http://127.0.0.1:" + front.localAddress().getPort() + "/hls-player.html?src=/live/" + LIVE + ".m3u8";

        try (ExternalProcess player = peers.start("chromium-hls", "chromium-hls.mjs", "--url", page, "--seconds", "3",
                "--screenshot", screenshot.toString(), "--timeout-ms", "45000")) {
            JsonLines.Event result = JsonLines.await(player, "result", Duration.ofSeconds(50));
            assertThat(Double.parseDouble(result.string("currentTime"))).isGreaterThan(3.0);
            assertThat(result.intValue("videoWidth")).isEqualTo(320);
            assertThat(result.intValue("colours")).as("distinct colours of the playing frame").isGreaterThanOrEqualTo(4);
        }
        assertThat(screenshot).isRegularFile();
        assertThat(Files.size(screenshot)).isGreaterThan(2_000);
        assertThat(front.hlsStats().mediaRelayed()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void playlistThroughOneFrontEverySegmentThroughAnotherOnOneRedisAndAMemoryFrontSays404() throws Exception {
        int redisPort = FreePorts.tcp();
        ExternalProcess redis = ExternalProcess.start("redis-server", List.of(Tools.require("redis-server").toString(),
                "--port", Integer.toString(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
        closeAfter.add(redis);
        redis.waitForLine(l -> l.contains("Ready to accept connections"), Duration.ofSeconds(10));
        Map<String, String> settings = Map.of("redis.port", Integer.toString(redisPort), "redis.key-prefix", "hls-e2e:");
        OriginLoadBalancer redisA = OriginLoadBalancers.create("redis", settings);
        OriginLoadBalancer redisB = OriginLoadBalancers.create("redis", settings);
        closeAfter.add(redisA);
        closeAfter.add(redisB);
        redisA.registry().register(originServer());
        HttpFront a = front(redisA, new SessionLifecycle());
        HttpFront b = front(redisB, new SessionLifecycle());
        HttpFront memory = memoryFront(new SessionLifecycle());

        RawClient.Response master = get(a, "/live/" + LIVE + ".m3u8");
        assertThat(master.status()).isEqualTo(200);
        String id = sessionOf(master.bodyText());
        RawClient.Response playlist = get(a, uris(master.bodyText()).get(0));
        assertThat(playlist.status()).isEqualTo(200);
        assertThat(sessionOf(playlist.bodyText())).isEqualTo(id);
        List<String> segments = uris(playlist.bodyText());
        assertThat(segments).hasSizeGreaterThanOrEqualTo(3).allSatisfy(u -> assertThat(u).endsWith("spbhid=" + id));

        for (String uri : segments) {
            RawClient.Response viaB = get(b, "/live/" + uri);
            assertThat(viaB.status()).as(uri).isEqualTo(200);
            String plain = uri.substring(0, uri.indexOf('?'));
            try (RawClient c = new RawClient(new InetSocketAddress("127.0.0.1", origin.httpPort()))) {
                RawClient.Response direct = c.send("GET /live/" + plain + " HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n").read();
                assertThat(viaB.body()).as(uri).isEqualTo(direct.body());
            }
            RawClient.Response viaMemory = get(memory, "/live/" + uri);
            assertThat(viaMemory.status()).as(uri).isEqualTo(404);
            assertThat(viaMemory.bodyText()).isEqualTo("unknown HLS session\n");
        }
        RawClient.Response reloadViaB = get(b, "/live/" + LIVE + ".m3u8?spbhid=" + id);
        assertThat(reloadViaB.status()).isEqualTo(200);
        assertThat(sessionOf(reloadViaB.bodyText())).isEqualTo(id);
        assertThat(b.hlsStats().sessionsCreated()).isZero();
        assertThat(memory.hlsStats().unknownSessions()).isEqualTo(segments.size());
    }

    @Test
    void oneViewerKeepsItsConnectionAcrossPlaylistsAndSegmentsAndRangeRequestsPass() throws Exception {
        HttpFront front = memoryFront(new SessionLifecycle());
        String host = "Host: 127.0.0.1:" + front.localAddress().getPort() + "\r\n";
        try (RawClient c = new RawClient(front.localAddress())) {
            String master = c.send("GET /live/" + LIVE + ".m3u8 HTTP/1.1\r\n" + host + "\r\n").read().bodyText();
            String media = c.send("GET " + uris(master).get(0) + " HTTP/1.1\r\n" + host + "\r\n").read().bodyText();
            String segment = uris(media).get(0);
            RawClient.Response whole = c.send("GET /live/" + segment + " HTTP/1.1\r\n" + host + "\r\n").read();
            RawClient.Response range = c.send("GET /live/" + segment + " HTTP/1.1\r\n" + host
                    + "Range: bytes=188-375\r\n\r\n").read();

            assertThat(whole.status()).isEqualTo(200);
            assertThat(whole.body().length).isGreaterThan(10_000);
            assertThat(range.status()).isEqualTo(206);
            assertThat(range.header("Content-Range")).isEqualTo("bytes 188-375/" + whole.body().length);
            assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(whole.body(), 188, 376));
        }
        assertThat(front.hlsStats().sessionsCreated()).isEqualTo(1);
    }

    @Test
    void aThousandShortHlsRequestsLeaveNoDescriptorOpen() throws Exception {
        HttpFront front = memoryFront(new SessionLifecycle());
        String master = get(front, "/live/" + LIVE + ".m3u8").bodyText();
        String id = sessionOf(master);
        String segment = uris(get(front, uris(master).get(0)).bodyText()).get(0);
        long baseline = openDescriptors();

        for (int i = 0; i < 1000; i++) {
            String target;
            switch (i % 4) {
                case 0: target = "/live/" + LIVE + ".m3u8"; break;
                case 1: target = "/live/" + LIVE + ".m3u8?spbhid=" + id; break;
                case 2: target = "/live/" + segment; break;
                default: target = "/live/" + LIVE + "-1.ts?spbhid=AAAAAAAAAAAAAAAAAAAAAA"; break;
            }
            RawClient.Response r = get(front, target);
            assertThat(r.status()).as(target).isEqualTo(i % 4 == 3 ? 404 : 200);
            assertThat(r.body()).as(target).isNotEmpty();
        }

        Eventually.until(Duration.ofSeconds(10), "descriptors back to " + baseline + " (now " + openDescriptors() + ")",
                () -> openDescriptors() <= baseline + 4);
        Eventually.until(Duration.ofSeconds(5), "no connection open", () -> front.stats().openConnections() == 0);
    }

    private static long openDescriptors() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
