package dev.originproxy.examples.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin console and the JSON log format, from outside the built gateway jar: a werift WHIP
 * publish and an ffmpeg SRT publish run through the gateway to their origins, headless Chromium
 * opens {@code /console/?token=...} (the views need a token here), the page shows both sessions
 * with their traffic and a throughput chart, and the screenshot lands in
 * {@code target/console-screenshot.png}. With {@code PROXY_LOG_FORMAT=json} every line the gateway
 * writes is one JSON object, and the session start/end lines carry the sessions view's fields.
 */
@ExtendWith(PeerLogs.class)
class ConsoleIT {
    private static final String TOKEN = "console-views-token";

    @Test
    @Timeout(180)
    void consoleShowsLiveSrtAndWebRtcSessionsAndLogsAreJsonLines(@TempDir Path dir) throws Exception {
        Tools.require("ffmpeg");
        Tools.require("srt-live-transmit");
        Tools.require("chromium");
        NodePeers peers = NodePeers.locate();

        Path source = dir.resolve("src.ts");
        try (ExternalProcess gen = ExternalProcess.start("ffmpeg-generate", List.of("ffmpeg", "-hide_banner",
                "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "40",
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-b:v", "400k", "-f", "mpegts",
                source.toString()))) {
            assertThat(gen.waitForExit(Duration.ofSeconds(60))).isZero();
        }

        int httpApi = FreePorts.tcp();
        int systemApi = FreePorts.tcp();
        int srt = FreePorts.udp();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PROXY_HTTP_API", "127.0.0.1:" + httpApi);
        env.put("PROXY_SYSTEM_API", "127.0.0.1:" + systemApi);
        env.put("PROXY_WEBRTC_SERVER", "127.0.0.1:" + FreePorts.udp());
        env.put("PROXY_SRT_SERVER", "127.0.0.1:" + srt);
        env.put("PROXY_WEBRTC_CANDIDATE", "127.0.0.1");
        env.put("PROXY_HTTP_SERVER", "127.0.0.1:0");
        env.put("PROXY_RTMP_SERVER", "127.0.0.1:0");
        env.put("PROXY_WORKERS", "1");
        // The plugin: the SRT stream then goes to the origin without WebRTC sessions (the SRT one).
        env.put("PROXY_LOAD_BALANCER_TYPE", "least-sessions");
        env.put("PROXY_VIEWS_AUTH_TOKEN", TOKEN);
        env.put("PROXY_LOG_FORMAT", "json");
        env.put("PROXY_GRACE_QUIT_TIMEOUT", "1s");
        env.put("PROXY_FORCE_QUIT_TIMEOUT", "10s");

        try (ExternalProcess gateway = GatewayJar.start(dir, env)) {
            gateway.waitForLine(Pattern.compile("\"message\":\"ready: originproxy"), Duration.ofSeconds(30));
            try (OriginStandIn origin = OriginStandIn.start(peers)) {
                // The heartbeat an SRS origin sends, with the token (the stand-in's own sends none).
                var registered = GatewayJar.postWithToken(systemApi, "/api/v1/srs/register",
                        "{\"device_id\":\"webrtc-origin\",\"ip\":\"127.0.0.1\",\"server\":\"werift\","
                                + "\"service\":\"wo\",\"pid\":\"" + origin.process().pid() + "\",\"rtmp\":[\"1935\"],"
                                + "\"api\":[\"" + origin.httpPort() + "\"],\"rtc\":[\"udp://0.0.0.0:8000\"]}", TOKEN);
                assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
                try (ExternalProcess whip = peers.start("whip-client", "whip-client.mjs",
                         "--url", "http://127.0.0.1:" + httpApi + "/rtc/v1/whip/?app=live&stream=console-webrtc",
                         "--rtp-packets", "100000", "--hold-ms", "90000", "--timeout-ms", "120000")) {
                JsonLines.await(whip, "connected", Duration.ofSeconds(30));
                origin.awaitSession(s -> s.stream().equals("console-webrtc") && s.rtpReceived() > 20,
                        Duration.ofSeconds(15));

                int srtOriginPort = FreePorts.udp();
                try (ExternalProcess srtOrigin = ExternalProcess.start("srt-origin", List.of("sh", "-c",
                        "exec srt-live-transmit -a:no 'srt://127.0.0.1:" + srtOriginPort
                                + "?mode=listener' file://con > /dev/null"))) {
                    assertThat(GatewayJar.postWithToken(systemApi, "/api/v1/srs/register",
                            "{\"device_id\":\"srt-origin\",\"ip\":\"127.0.0.1\",\"server\":\"srt\","
                                    + "\"service\":\"lt\",\"pid\":\"" + srtOrigin.pid() + "\",\"rtmp\":[\"1935\"],"
                                    + "\"srt\":[\"" + srtOriginPort + "\"]}", TOKEN).statusCode()).isEqualTo(200);
                    try (ExternalProcess push = ExternalProcess.start("ffmpeg-srt", List.of("ffmpeg",
                            "-hide_banner", "-loglevel", "warning", "-re", "-i", source.toString(), "-c", "copy",
                            "-f", "mpegts", "srt://127.0.0.1:" + srt + "?streamid=#!::r=live/console-srt,m=publish"))) {
                        Path screenshot = Path.of("target", "console-screenshot.png").toAbsolutePath();
                        Files.deleteIfExists(screenshot);
                        try (ExternalProcess page = peers.start("console-page", "console-page.mjs",
                                "--url", "http://127.0.0.1:" + systemApi + "/console/?token=" + TOKEN,
                                "--expect", "__defaultVhost__/live/console-srt",
                                "--expect", "__defaultVhost__/live/console-webrtc",
                                "--rate-protocol", "srt", "--screenshot", screenshot.toString(),
                                "--timeout-ms", "60000")) {
                            JsonLines.Event shown = JsonLines.await(page, "shown", Duration.ofSeconds(70));
                            assertThat(shown.line())
                                    .contains("\"webrtc\",\"__defaultVhost__/live/console-webrtc\",\"publish\",\"127.0.0.1:")
                                    .contains("\"srt\",\"__defaultVhost__/live/console-srt\",\"publish\",\"127.0.0.1:")
                                    .contains("srt-lt-")
                                    .containsPattern("\"srt: [1-9][0-9.]* [kM]?bit/s\"")
                                    .containsPattern("\"webrtc: [1-9][0-9.]* [kM]?bit/s\"");
                            JsonLines.Event shot = JsonLines.await(page, "screenshot", Duration.ofSeconds(20));
                            assertThat(shot.longValue("bytes")).isGreaterThan(10_000);
                            assertThat(page.waitForExit(Duration.ofSeconds(20))).isZero();
                        }
                        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
                        System.out.println("console screenshot: " + screenshot);

                        assertThat(GatewayJar.get(systemApi, "/api/v1/sessions").statusCode()).isEqualTo(401);
                        // The sessions view, read with the token, names the session the logs name.
                        String view = GatewayJar.getWithToken(systemApi, "/api/v1/sessions", TOKEN).body();
                        Matcher id = Pattern.compile("\"id\":\"([^\"]+)\",\"stream\":\"__defaultVhost__/live/console-srt\"")
                                .matcher(view);
                        assertThat(id.find()).as(view).isTrue();
                        Map<String, Object> start = logLine(gateway, "session start", id.group(1));
                        assertThat(start).containsEntry("protocol", "srt").containsEntry("direction", "publish")
                                .containsEntry("stream", "__defaultVhost__/live/console-srt")
                                .containsKeys("origin", "client", "started_at");
                    }
                }
                }
            }
            // SIGTERM: sessions end, each with a session end line with the counters of the view.
            ProcessHandle.of(gateway.pid()).orElseThrow().destroy();
            assertThat(gateway.waitForExit(Duration.ofSeconds(15))).isZero();
            List<Map<String, Object>> ends = gateway.lines().stream().map(ConsoleIT::json)
                    .filter(l -> "session end".equals(l.get("message"))).toList();
            assertThat(ends).anySatisfy(l -> assertThat(l).containsEntry("protocol", "srt")
                    .containsKeys("reason", "duration_ms", "packets_from_origin", "bytes_from_origin", "dropped")
                    .hasEntrySatisfying("bytes_from_client", b -> assertThat((Long) b).isGreaterThan(100_000L)));
            assertThat(ends).anySatisfy(l -> assertThat(l).containsEntry("protocol", "webrtc")
                    .hasEntrySatisfying("packets_from_client", p -> assertThat((Long) p).isGreaterThan(20L)));
            // Every line the gateway wrote is one JSON object (json() fails otherwise).
            assertThat(gateway.lines()).isNotEmpty().allSatisfy(ConsoleIT::json);
        }
    }

    private static Map<String, Object> logLine(ExternalProcess gateway, String message, String id) {
        for (String line : gateway.lines()) {
            Map<String, Object> fields = json(line);
            if (message.equals(fields.get("message")) && id.equals(fields.get("id"))) {
                return fields;
            }
        }
        throw new AssertionError("no '" + message + "' line for " + id + " in:\n" + gateway.log());
    }

    /** A flat JSON object of one log line; fails unless the line is exactly one object. */
    private static Map<String, Object> json(String line) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(line)) {
            assertThat(p.nextToken()).as(line).isEqualTo(JsonToken.START_OBJECT);
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                out.put(name, v == JsonToken.VALUE_NUMBER_INT ? (Object) p.getLongValue()
                        : v == JsonToken.VALUE_NULL ? null : p.getText());
            }
            assertThat(t).as(line).isEqualTo(JsonToken.END_OBJECT);
            assertThat(p.nextToken()).as(line).isNull();
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
        return out;
    }
}
