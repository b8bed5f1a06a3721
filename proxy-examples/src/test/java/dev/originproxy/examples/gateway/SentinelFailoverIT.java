package dev.originproxy.examples.gateway;

import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.FreePorts;
import dev.originproxy.testkit.JsonLines;
import dev.originproxy.testkit.NodePeers;
import dev.originproxy.testkit.OriginStandIn;
import dev.originproxy.testkit.PeerLogs;
import dev.originproxy.testkit.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code redis} balancer in Sentinel mode against real Redis: a master, a replica and three
 * {@code redis-sentinel} processes on loopback, two gateways on them (PROXY_REDIS_SENTINEL_MASTER,
 * PROXY_REDIS_SENTINELS), a live WebRTC publish (werift) on one and a live SRT publish (ffmpeg) on
 * the other. The master is killed (SIGKILL). Then: both live sessions keep flowing; origin
 * registration fails clearly (503, never a hang or a 200 that was not stored) for at most the
 * failover time (a new WHIP offer during it gets a 503 too); after it, registration and new
 * sessions work again, on the promoted replica.
 * The failover time is printed.
 */
@ExtendWith(PeerLogs.class)
class SentinelFailoverIT {
    private static final String MASTER = "originproxy-it";
    /** Sentinel settings kept small so the test runs in seconds: down after 1 s, failover within 3 s. */
    private static final int DOWN_AFTER_MS = 1000;
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(20);

    private final List<ExternalProcess> redis = new ArrayList<>();

    @Test
    @Timeout(180)
    void liveSessionsSurviveAMasterFailoverAndTheFleetFollowsThePromotedReplica(@TempDir Path dir) throws Exception {
        Path redisServer = Tools.require("redis-server");
        Path redisSentinel = Tools.require("redis-sentinel");
        Tools.require("ffmpeg");
        Tools.require("srt-live-transmit");
        NodePeers peers = NodePeers.locate();

        int masterPort = FreePorts.tcp();
        int replicaPort = FreePorts.tcp();
        ExternalProcess master = startRedis(redisServer, dir, masterPort);
        startRedis(redisServer, dir, replicaPort, "--replicaof", "127.0.0.1", Integer.toString(masterPort));
        List<String> sentinels = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int port = FreePorts.tcp();
            Path conf = dir.resolve("sentinel-" + port + ".conf");
            Files.writeString(conf, "port " + port + "\nbind 127.0.0.1\ndaemonize no\ndir " + dir + "\n"
                    + "sentinel resolve-hostnames no\n"
                    + "sentinel monitor " + MASTER + " 127.0.0.1 " + masterPort + " 2\n"
                    + "sentinel down-after-milliseconds " + MASTER + " " + DOWN_AFTER_MS + "\n"
                    + "sentinel failover-timeout " + MASTER + " 3000\n"
                    + "sentinel parallel-syncs " + MASTER + " 1\n");
            redis.add(ExternalProcess.start("redis-sentinel-" + port, List.of(redisSentinel.toString(), conf.toString())));
            sentinels.add("127.0.0.1:" + port);
        }
        try {
            awaitSentinelsReady(sentinels, Duration.ofSeconds(30));

            Path source = dir.resolve("src.ts");
            try (ExternalProcess gen = ExternalProcess.start("ffmpeg-generate", List.of("ffmpeg", "-hide_banner",
                    "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "60",
                    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-b:v", "300k",
                    "-f", "mpegts", source.toString()))) {
                assertThat(gen.waitForExit(Duration.ofSeconds(60))).isZero();
            }

            int srtOriginPort = FreePorts.udp();
            try (Gateway a = Gateway.start(config(sentinels)); Gateway b = Gateway.start(config(sentinels));
                 OriginStandIn origin = OriginStandIn.start(peers);
                 ExternalProcess srtOrigin = ExternalProcess.start("srt-origin", List.of("sh", "-c",
                         "exec srt-live-transmit -a:no 'srt://127.0.0.1:" + srtOriginPort
                                 + "?mode=listener' file://con > /dev/null"))) {
                int apiA = a.systemApiAddress().getPort();
                int apiB = b.systemApiAddress().getPort();
                // One origin: the werift stand-in's API/RTC and srt-live-transmit's SRT port (so
                // both streams are placed on it whatever the placement strategy).
                String heartbeat = "{\"device_id\":\"origin-1\",\"ip\":\"127.0.0.1\",\"server\":\"o\","
                        + "\"service\":\"s\",\"pid\":\"" + origin.process().pid() + "\",\"rtmp\":[\"1935\"],"
                        + "\"api\":[\"" + origin.httpPort() + "\"],\"rtc\":[\"udp://0.0.0.0:8000\"],"
                        + "\"srt\":[\"" + srtOriginPort + "\"]}";
                HttpResponse<String> first = GatewayJar.post(apiA, "/api/v1/srs/register", heartbeat);
                assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
                // Registered through A, visible through B: the fleet shares Redis.
                GatewayJar.awaitBody(apiB, "/api/v1/origins", body -> body.contains("\"device_id\":\"origin-1\""),
                        Duration.ofSeconds(10));

                try (ExternalProcess whip = peers.start("whip-client", "whip-client.mjs", "--url",
                        "http://127.0.0.1:" + a.httpApiAddress().getPort() + "/rtc/v1/whip/?app=live&stream=sentinel-webrtc",
                        "--rtp-packets", "100000", "--hold-ms", "120000", "--timeout-ms", "150000")) {
                    JsonLines.await(whip, "connected", Duration.ofSeconds(30));
                    origin.awaitSession(s -> s.stream().equals("sentinel-webrtc") && s.rtpReceived() > 20,
                            Duration.ofSeconds(15));
                    try (ExternalProcess push = ExternalProcess.start("ffmpeg-srt", List.of("ffmpeg", "-hide_banner",
                            "-loglevel", "warning", "-re", "-i", source.toString(), "-c", "copy", "-f", "mpegts",
                            "srt://127.0.0.1:" + b.srtAddress().getPort()
                                    + "?streamid=#!::r=live/sentinel-srt,m=publish"))) {
                        GatewayJar.awaitBody(apiB, "/api/v1/sessions", body -> srtBytes(body) > 50_000,
                                Duration.ofSeconds(15));

                        // --- the master dies ---
                        long rtpBefore = rtp(origin);
                        long srtBefore = srtBytes(GatewayJar.get(apiB, "/api/v1/sessions").body());
                        long killedAt = System.nanoTime();
                        ProcessHandle.of(master.pid()).orElseThrow().destroyForcibly();
                        assertThat(master.waitForExit(Duration.ofSeconds(5))).isNotZero();

                        // A new session during the outage is refused clearly: 503 with a reason, no hang.
                        HttpResponse<String> offer = whipOffer(a.httpApiAddress().getPort(), "during-outage");
                        Duration offerAnswered = Duration.ofNanos(System.nanoTime() - killedAt);
                        boolean offerDuringOutage = offer.statusCode() != 201;
                        if (offerDuringOutage) {
                            assertThat(offer.statusCode()).as(offer.body()).isEqualTo(503);
                            assertThat(offer.body()).contains("unavailable");
                        }

                        // Registration fails clearly (503) until the fleet follows the promoted replica.
                        int failures = 0;
                        Duration failover = null;
                        while (failover == null) {
                            assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).as("failover within")
                                    .isLessThan(FAILOVER_BOUND);
                            HttpResponse<String> r = GatewayJar.post(apiA, "/api/v1/srs/register", heartbeat);
                            if (r.statusCode() == 200) {
                                failover = Duration.ofNanos(System.nanoTime() - killedAt);
                            } else {
                                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                                assertThat(r.body()).contains("unavailable");
                                failures++;
                                Thread.sleep(100);
                            }
                        }
                        System.out.printf("Redis Sentinel failover: registration failed %d times (503), works again"
                                + " %d ms after the master was killed (down-after-milliseconds %d); a WHIP offer"
                                + " %d ms after the kill was answered %d %s%n",
                                failures, failover.toMillis(), DOWN_AFTER_MS, offerAnswered.toMillis(),
                                offer.statusCode(), offer.body().strip());
                        assertThat(failures).as("the outage was seen").isPositive();
                        // Only a failover faster than the offer's answer lets the offer through.
                        assertThat(offerDuringOutage || failover.compareTo(offerAnswered) <= 0)
                                .as("offer answered %s after the kill: %s", offerAnswered, offer.statusCode()).isTrue();
                        try (Jedis sentinel = jedis(sentinels.get(0))) {
                            assertThat(sentinel.sentinelGetMasterAddrByName(MASTER))
                                    .containsExactly("127.0.0.1", Integer.toString(replicaPort));
                        }

                        // The live sessions kept flowing through the outage.
                        origin.awaitSession(s -> s.stream().equals("sentinel-webrtc") && s.rtpReceived() > rtpBefore + 30,
                                Duration.ofSeconds(10));
                        GatewayJar.awaitBody(apiB, "/api/v1/sessions", body -> srtBytes(body) > srtBefore + 50_000,
                                Duration.ofSeconds(10));
                        assertThat(whip.isAlive()).isTrue();
                        assertThat(push.isAlive()).isTrue();

                        // New sessions work on the promoted master, through the other gateway too.
                        try (ExternalProcess whip2 = peers.start("whip-client-2", "whip-client.mjs", "--url",
                                "http://127.0.0.1:" + b.httpApiAddress().getPort()
                                        + "/rtc/v1/whip/?app=live&stream=after-failover",
                                "--rtp-packets", "100", "--hold-ms", "3000", "--timeout-ms", "30000")) {
                            JsonLines.await(whip2, "connected", Duration.ofSeconds(30));
                            origin.awaitSession(s -> s.stream().equals("after-failover") && s.rtpReceived() > 20,
                                    Duration.ofSeconds(15));
                        }
                        // ... and the other gateway reads that placement back from the promoted master.
                        assertThat(GatewayJar.get(apiA, "/api/v1/streams").body())
                                .contains("__defaultVhost__/live/after-failover");
                        try (Jedis promoted = new Jedis("127.0.0.1", replicaPort)) {
                            assertThat(promoted.role().get(0)).isEqualTo("master");
                            assertThat(promoted.keys("*after-failover*")).isNotEmpty();
                        }
                    }
                }
            }
        } finally {
            for (ExternalProcess p : redis) {
                p.close();
            }
        }
    }

    private ExternalProcess startRedis(Path server, Path dir, int port, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(server.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--dbfilename", "dump-" + port + ".rdb"));
        cmd.addAll(List.of(extra));
        ExternalProcess p = ExternalProcess.start("redis-" + port, cmd);
        redis.add(p);
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            try (Jedis j = new Jedis("127.0.0.1", port)) {
                if ("PONG".equals(j.ping())) {
                    return p;
                }
            } catch (RuntimeException notYet) {
                if (System.nanoTime() - end > 0) {
                    throw new AssertionError("redis-server on " + port + " did not answer PING:\n" + p.log(), notYet);
                }
            }
            Thread.sleep(50);
        }
    }

    /** Each sentinel knows the replica and the two other sentinels (else a failover cannot reach quorum). */
    private static void awaitSentinelsReady(List<String> sentinels, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        String last = "";
        while (System.nanoTime() - end < 0) {
            boolean ready = true;
            for (String s : sentinels) {
                try (Jedis j = jedis(s)) {
                    Map<String, String> m = j.sentinelMaster(MASTER);
                    last = s + " " + m;
                    ready &= "1".equals(m.get("num-slaves")) && "2".equals(m.get("num-other-sentinels"));
                } catch (RuntimeException e) {
                    last = s + " " + e;
                    ready = false;
                }
            }
            if (ready) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("sentinels not ready within " + deadline + ": " + last);
    }

    private static Jedis jedis(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new Jedis(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static GatewayConfig config(List<String> sentinels) {
        return LoopbackGateways.config(Map.of("PROXY_LOAD_BALANCER_TYPE", "redis",
                "PROXY_REDIS_SENTINEL_MASTER", MASTER, "PROXY_REDIS_SENTINELS", String.join(",", sentinels),
                "PROXY_SRT_COOKIE_SECRET", "sentinel-it-fleet-secret"));
    }

    /** A WHIP offer (no media follows) for a new stream. */
    private static HttpResponse<String> whipOffer(int httpApi, String stream) throws Exception {
        String offerSdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                + "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
                + "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=setup:actpass\r\n"
                + "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
                + "a=sendonly\r\na=rtpmap:96 VP8/90000\r\n";
        HttpRequest req = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpApi + "/rtc/v1/whip/?app=live&stream=" + stream))
                .header("Content-Type", "application/sdp").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(offerSdp)).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static long rtp(OriginStandIn origin) {
        return origin.sessions().stream().filter(s -> s.stream().equals("sentinel-webrtc"))
                .mapToLong(OriginStandIn.Session::rtpReceived).max().orElse(0);
    }

    private static final Pattern SRT_BYTES = Pattern.compile(
            "\"stream\":\"__defaultVhost__/live/sentinel-srt\".*?\"bytes_from_client\":(\\d+)");

    private static long srtBytes(String sessionsView) {
        Matcher m = SRT_BYTES.matcher(sessionsView);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
