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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built gateway jar as a separate process, driven from outside only: an origin stand-in
 * registers by heartbeat, a werift WHIP publish and an ffmpeg SRT publish go through the gateway
 * to their origins, the sessions view shows both, and SIGTERM ends the process cleanly.
 */
@ExtendWith(PeerLogs.class)
class GatewayProcessIT {
    private static final Duration GRACE = Duration.ofSeconds(5);

    @Test
    @Timeout(150)
    void relaysWhipAndSrtPublishesToRegisteredOriginsAndStopsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
        Tools.require("ffmpeg");
        Tools.require("ffprobe");
        Tools.require("srt-live-transmit");
        NodePeers peers = NodePeers.locate();

        Path source = dir.resolve("src.ts");
        try (ExternalProcess gen = ExternalProcess.start("ffmpeg-generate", List.of("ffmpeg", "-hide_banner",
                "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi",
                "-i", "sine", "-t", "3", "-c:v", "libx264", "-tune", "zerolatency", "-c:a", "aac", "-f", "mpegts",
                source.toString()))) {
            assertThat(gen.waitForExit(Duration.ofSeconds(60))).isZero();
        }

        int httpApi = FreePorts.tcp();
        int systemApi = FreePorts.tcp();
        int webrtc = FreePorts.udp();
        int srt = FreePorts.udp();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PROXY_HTTP_API", "127.0.0.1:" + httpApi);
        env.put("PROXY_SYSTEM_API", "127.0.0.1:" + systemApi);
        env.put("PROXY_WEBRTC_SERVER", "127.0.0.1:" + webrtc);
        env.put("PROXY_SRT_SERVER", "127.0.0.1:" + srt);
        int httpServer = FreePorts.tcp();
        env.put("PROXY_HTTP_SERVER", "127.0.0.1:" + httpServer);
        int rtmp = FreePorts.tcp();
        env.put("PROXY_RTMP_SERVER", "127.0.0.1:" + rtmp);
        env.put("PROXY_WEBRTC_CANDIDATE", "127.0.0.1");
        // The plugin: the SRT stream then goes to the origin without WebRTC sessions, by rule.
        env.put("PROXY_LOAD_BALANCER_TYPE", "least-sessions");
        env.put("PROXY_WORKERS", "1");
        env.put("PROXY_GRACE_QUIT_TIMEOUT", GRACE.toSeconds() + "s");
        env.put("PROXY_FORCE_QUIT_TIMEOUT", "15s");
        // The process is started with PROXY_HTTP_API set and .env saying otherwise: the environment wins.
        Files.writeString(dir.resolve(".env"), "PROXY_HTTP_API=1\nPROXY_SRT_COOKIE_SECRET=0123456789abcdef-fleet\n");

        try (ExternalProcess gateway = GatewayJar.start(dir, env)) {
            gateway.waitForLine(Pattern.compile("ready: originproxy"), Duration.ofSeconds(30));
            assertThat(gateway.log())
                    .contains("(PROXY_HTTP_API) on 127.0.0.1:" + httpApi)
                    .contains("(PROXY_SYSTEM_API) on 127.0.0.1:" + systemApi)
                    .contains("(PROXY_WEBRTC_SERVER) on 127.0.0.1:" + webrtc)
                    .contains("(PROXY_SRT_SERVER) on 127.0.0.1:" + srt)
                    .contains("load balancer: least-sessions")
                    .contains("(PROXY_HTTP_SERVER) on 127.0.0.1:" + httpServer)
                    .contains("(PROXY_RTMP_SERVER) on 127.0.0.1:" + rtmp)
                    .doesNotContain("not served by this gateway")
                    .doesNotContain("PROXY_SRT_COOKIE_SECRET not set");
            assertThat(GatewayJar.get(systemApi, "/api/v1/versions").body()).contains("\"code\":0", "\"version\"");

            try (OriginStandIn origin = OriginStandIn.start(peers,
                    "--register", "http://127.0.0.1:" + systemApi + "/api/v1/srs/register")) {
                GatewayJar.awaitBody(systemApi, "/api/v1/origins",
                        b -> b.contains("\"device_id\":\"origin-" + origin.httpPort() + "\""), Duration.ofSeconds(10));

                try (ExternalProcess whip = peers.start("whip-client", "whip-client.mjs",
                        "--url", "http://127.0.0.1:" + httpApi + "/rtc/v1/whip/?app=live&stream=through-gateway",
                        "--rtp-packets", "60", "--hold-ms", "30000", "--timeout-ms", "60000")) {
                    JsonLines.Event answer = JsonLines.await(whip, "answer", Duration.ofSeconds(15));
                    assertThat(answer.string("candidates")).contains("127.0.0.1 " + webrtc);
                    JsonLines.await(whip, "connected", Duration.ofSeconds(20));
                    origin.awaitSession(s -> s.stream().equals("through-gateway") && s.rtpReceived() >= 50,
                            Duration.ofSeconds(15));

                    int srtOriginPort = FreePorts.udp();
                    Path out = dir.resolve("out.ts");
                    try (ExternalProcess srtOrigin = ExternalProcess.start("srt-origin", List.of("sh", "-c",
                            "exec srt-live-transmit -a:no 'srt://127.0.0.1:" + srtOriginPort
                                    + "?mode=listener' file://con > '" + out + "'"))) {
                        assertThat(GatewayJar.post(systemApi, "/api/v1/srs/register",
                                "{\"device_id\":\"srt-origin\",\"ip\":\"127.0.0.1\",\"server\":\"srt\","
                                        + "\"service\":\"lt\",\"pid\":\"" + srtOrigin.pid() + "\",\"rtmp\":[\"1935\"],"
                                        + "\"srt\":[\"" + srtOriginPort + "\"]}").statusCode()).isEqualTo(200);

                        try (ExternalProcess push = ExternalProcess.start("ffmpeg-srt", List.of("ffmpeg",
                                "-hide_banner", "-loglevel", "warning", "-re", "-i", source.toString(), "-c", "copy",
                                "-f", "mpegts", "srt://127.0.0.1:" + srt
                                        + "?streamid=#!::r=live/livestream,m=publish&linger=1"))) {
                            String both = GatewayJar.awaitBody(systemApi, "/api/v1/sessions",
                                    b -> b.contains("\"stream\":\"__defaultVhost__/live/livestream\"")
                                            && b.contains("\"stream\":\"__defaultVhost__/live/through-gateway\""),
                                    Duration.ofSeconds(10));
                            assertThat(both).contains("\"stream_id\":\"#!::r=live/livestream,m=publish\"");
                            assertThat(push.waitForExit(Duration.ofSeconds(20))).isZero();
                        }
                        assertThat(srtOrigin.waitForExit(Duration.ofSeconds(15))).isZero();
                    }
                    assertThat(GatewayJar.get(systemApi, "/api/v1/streams").body())
                            .contains("\"origin\":\"srt-lt-")
                            .contains("through-gateway");
                    try (ExternalProcess probe = ExternalProcess.start("ffprobe", List.of("ffprobe", "-v", "error",
                            "-show_entries", "stream=codec_name:format=duration", "-of", "default=nw=1",
                            out.toString()))) {
                        assertThat(probe.waitForExit(Duration.ofSeconds(20))).isZero();
                        String probed = String.join("\n", probe.lines());
                        assertThat(probed).contains("codec_name=h264").contains("codec_name=aac");
                        double duration = Double.parseDouble(probed.replaceAll("(?s).*duration=([0-9.]+).*", "$1"));
                        assertThat(duration).isGreaterThan(2.0);
                    }
                    assertThat(GatewayJar.get(systemApi, "/metrics").body())
                            .contains("originproxy_sessions_started_total{protocol=\"srt\"} 1")
                            .contains("originproxy_sessions_started_total{protocol=\"webrtc\"} 1")
                            .containsPattern("originproxy_srt_handshakes_completed_total [1-9]");

                    // SIGTERM while the WHIP session is still live: it may run for the grace period,
                    // then the gateway closes everything and exits 0.
                    assertThat(whip.isAlive()).isTrue();
                    long t0 = System.nanoTime();
                    assertThat(GatewayJar.get(systemApi, "/readyz").statusCode()).isEqualTo(200);
                    ProcessHandle.of(gateway.pid()).orElseThrow().destroy();
                    // Draining: a Kubernetes Service stops sending new clients, live ones finish.
                    GatewayJar.awaitStatus(systemApi, "/readyz", 503, Duration.ofSeconds(3));
                    assertThat(GatewayJar.get(systemApi, "/healthz").statusCode()).isEqualTo(200);
                    int code = gateway.waitForExit(GRACE.plusSeconds(5));
                    Duration took = Duration.ofNanos(System.nanoTime() - t0);
                    assertThat(code).isZero();
                    assertThat(took).isLessThan(GRACE.plusSeconds(4));
                    assertThat(gateway.log()).contains("shutting down: refusing new sessions, 1 live").contains("grace period over")
                            .contains("stopped");
                }
            }
        }
    }
}
