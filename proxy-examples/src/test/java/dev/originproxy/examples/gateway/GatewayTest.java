package dev.originproxy.examples.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway in this JVM, on loopback port 0: system API views, metrics, JMX and draining. */
class GatewayTest {
    private static final String OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            + "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
            + "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=setup:actpass\r\n"
            + "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
            + "a=sendonly\r\na=rtpmap:96 VP8/90000\r\n";
    private static final String HEARTBEAT = "{\"device_id\":\"o1\",\"ip\":\"127.0.0.1\",\"server\":\"vid-1\","
            + "\"service\":\"s1\",\"pid\":\"42\",\"rtmp\":[\"1935\"],\"api\":[\"1\"],\"srt\":[\"10080\"]}";

    private static GatewayConfig loopback(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "PROXY_HTTP_API", "127.0.0.1:0", "PROXY_SYSTEM_API", "127.0.0.1:0",
                "PROXY_WEBRTC_SERVER", "127.0.0.1:0", "PROXY_SRT_SERVER", "127.0.0.1:0", "PROXY_RTMP_SERVER", "127.0.0.1:0",
                "PROXY_WEBRTC_CANDIDATE", "127.0.0.1", "PROXY_WORKERS", "1", "PROXY_HTTP_SERVER", "127.0.0.1:0"));
        env.putAll(extra);
        return GatewayConfig.from(env);
    }

    @Test
    @Timeout(30)
    void countsHeartbeatsOnMetricsAndJmxAndListsTheOrigin() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of()))) {
            int api = gateway.systemApiAddress().getPort();
            assertThat(GatewayJar.post(api, "/api/v1/srs/register", HEARTBEAT).statusCode()).isEqualTo(200);

            assertThat(GatewayJar.get(api, "/api/v1/origins").body())
                    .contains("\"id\":\"vid-1-s1-42\"", "\"device_id\":\"o1\"", "\"balancer\":\"memory\"");
            assertThat(GatewayJar.get(api, "/metrics").body())
                    .contains("originproxy_origins_live 1\n", "originproxy_origin_heartbeats_total 1\n");
            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            assertThat(gateway.mbeanName()).isNotNull();
            assertThat(jmx.getAttribute(gateway.mbeanName(), "OriginsLive")).isEqualTo(1);
            assertThat(jmx.getAttribute(gateway.mbeanName(), "HeartbeatsAccepted")).isEqualTo(1L);
            assertThat(GatewayJar.get(api, "/api/v1/nothing").statusCode()).isEqualTo(404);
            assertThat(GatewayJar.post(api, "/metrics", "{}").statusCode()).isEqualTo(405);
        }
        assertThat(ManagementFactory.getPlatformMBeanServer().queryNames(
                new ObjectName("dev.originproxy:type=Gateway"), null)).isEmpty();
    }

    @Test
    @Timeout(30)
    void refusesNewSessionsOnceDraining() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of()))) {
            int api = gateway.systemApiAddress().getPort();
            assertThat(GatewayJar.post(api, "/api/v1/srs/register", HEARTBEAT).statusCode()).isEqualTo(200);
            gateway.drain();

            HttpResponse<String> offer = sdp(gateway.httpApiAddress().getPort());
            assertThat(offer.statusCode()).isEqualTo(409);
            assertThat(offer.body()).contains("proxy is shutting down");
            assertThat(gateway.metrics().getSessionsRefused()).isEqualTo(1);
            assertThat(gateway.metrics().isDraining()).isTrue();
            assertThat(gateway.liveSessions()).isZero();
        }
    }

    @Test
    @Timeout(30)
    void protectsViewsButNotVersionsWithTheOlderViewsTokenName() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_SYSTEM_API_AUTH_TOKEN", "s3cret")))) {
            int api = gateway.systemApiAddress().getPort();
            assertThat(GatewayJar.get(api, "/api/v1/versions").statusCode()).isEqualTo(200);
            assertThat(GatewayJar.get(api, "/api/v1/sessions").statusCode()).isEqualTo(401);
            // registration is guarded by PROXY_HTTP_API_AUTH_* (SRS 8.0.28), not by the views token
            assertThat(GatewayJar.post(api, "/api/v1/srs/register", HEARTBEAT).statusCode()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> sdp(int port) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/rtc/v1/whip/?app=live&stream=s1"))
                .header("Content-Type", "application/sdp")
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(OFFER)).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Timeout(30)
    void streamsHttpFlvFromTheRegisteredOriginAndShowsTheViewer() throws Exception {
        try (ServerSocket origin = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
             Gateway gateway = Gateway.start(loopback(Map.of()))) {
            int api = gateway.systemApiAddress().getPort();
            String heartbeat = HEARTBEAT.replace("\"srt\":[\"10080\"]", "\"http\":[\"" + origin.getLocalPort() + "\"]");
            assertThat(GatewayJar.post(api, "/api/v1/srs/register", heartbeat).statusCode()).isEqualTo(200);
            try (Socket viewer = new Socket(InetAddress.getLoopbackAddress(), gateway.httpServerAddress().getPort())) {
                viewer.setSoTimeout(10_000);
                viewer.getOutputStream().write("GET /live/livestream.flv?token=t1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                try (Socket upstream = origin.accept()) {
                    byte[] request = new byte[256];
                    int n = upstream.getInputStream().read(request);
                    assertThat(new String(request, 0, n, StandardCharsets.US_ASCII))
                            .startsWith("GET /live/livestream.flv?token=t1 HTTP/1.1\r\n");
                    upstream.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\n\r\nFLV"
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] got = viewer.getInputStream().readNBytes(12);
                    assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
                    assertThat(GatewayJar.get(api, "/api/v1/sessions").body())
                            .contains("\"protocol\":\"http_flv\"", "\"stream\":\"__defaultVhost__/live/livestream\"");
                    assertThat(GatewayJar.get(api, "/metrics").body())
                            .contains("originproxy_sessions_live{protocol=\"http_flv\"} 1\n",
                                    "originproxy_http_requests_total 1\n");
                }
            }
        }
    }

    @Test
    @Timeout(30)
    void rewritesAnHlsPlaylistAndShowsTheViewerInSessionsAndMetrics() throws Exception {
        try (ServerSocket origin = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
             Gateway gateway = Gateway.start(loopback(Map.of("PROXY_HLS_SESSION_TTL", "30s")))) {
            int api = gateway.systemApiAddress().getPort();
            String heartbeat = HEARTBEAT.replace("\"srt\":[\"10080\"]", "\"http\":[\"" + origin.getLocalPort() + "\"]");
            assertThat(GatewayJar.post(api, "/api/v1/srs/register", heartbeat).statusCode()).isEqualTo(200);
            Thread originThread = new Thread(() -> {
                try (Socket upstream = origin.accept()) {
                    upstream.getInputStream().read(new byte[1024]);
                    String body = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://127.0.0.1:" + origin.getLocalPort()
                            + "/live/livestream.m3u8?hls_ctx=c1\n";
                    upstream.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.apple.mpegurl\r\n"
                            + "ETag: \"e1\"\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (java.io.IOException e) {
                    // the assertions below fail instead
                }
            });
            originThread.start();
            HttpResponse<String> playlist = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + gateway.httpServerAddress().getPort() + "/live/livestream.m3u8"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            originThread.join(10_000);

            assertThat(playlist.statusCode()).isEqualTo(200);
            assertThat(playlist.body()).matches("(?s)#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"
                    + "/live/livestream\\.m3u8\\?hls_ctx=c1&spbhid=[A-Za-z0-9_-]{22}\n");
            assertThat(playlist.headers().firstValue("ETag")).isEmpty();
            assertThat(GatewayJar.get(api, "/api/v1/sessions").body())
                    .contains("\"protocol\":\"hls\"", "\"stream\":\"__defaultVhost__/live/livestream\"");
            assertThat(GatewayJar.get(api, "/metrics").body())
                    .contains("originproxy_sessions_live{protocol=\"hls\"} 1\n", "originproxy_hls_viewers 1\n",
                            "originproxy_hls_playlists_total 1\n", "originproxy_hls_sessions_created_total 1\n");
        }
    }
}
