package dev.originproxy.examples.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.originproxy.examples.gateway.GatewayTrustBoundaryTest.get;
import static dev.originproxy.examples.gateway.GatewayTrustBoundaryTest.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's starvation finding against the gateway in this JVM: slow connections (a request
 * head that never completes) on both HTTP APIs must not stop signalling, views or origin
 * heartbeats; a slow client is answered 408 and closed; one source cannot open more than its
 * share of connections. The slow connections come from 100 different loopback addresses, so
 * the per-source limit is not what saves the day.
 */
@Timeout(60)
class GatewayStarvationTest {
    private static final String HEARTBEAT = "{\"device_id\":\"d\",\"ip\":\"127.0.0.1\",\"server\":\"vid-1\","
            + "\"service\":\"s1\",\"pid\":\"7\",\"rtmp\":[\"1935\"],\"api\":[\"1\"],\"srt\":[\"10080\"]}";
    private static final String OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
            + "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n";

    private static GatewayConfig loopback(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("PROXY_ORIGIN_REQUEST_TIMEOUT", "500ms");
        return GatewayTrustBoundaryTest.loopback(env);
    }

    @Test
    void aHundredSlowConnectionsDelayNeitherSignallingNorViewsNorHeartbeats() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_HTTP_HEAD_TIMEOUT", "3s")))) {
            int http = gateway.httpApiAddress().getPort();
            int system = gateway.systemApiAddress().getPort();
            assertThat(post("127.0.0.1", system, "/api/v1/srs/register", HEARTBEAT, null).status()).isEqualTo(200);
            sdpPost(http); // warms the forwarder's HTTP client up, so the figure below is the server's
            for (int i = 0; i < 100; i++) {
                int port = i % 2 == 0 ? http : system;
                String path = i % 2 == 0 ? "/rtc/v1/whip/?app=live&stream=s" : "/api/v1/srs/register";
                slow.add(slowConnection("127.0.1." + (10 + i), port, path));
            }
            Thread.sleep(200); // let every slow head reach the server

            long t0 = System.nanoTime();
            int heartbeat = post("127.0.0.1", system, "/api/v1/srs/register", HEARTBEAT, null).status();
            long heartbeatMillis = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            int views = get("127.0.0.1", system, "/api/v1/origins", null).status();
            long viewsMillis = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            int whip = sdpPost(http);
            long whipMillis = (System.nanoTime() - t0) / 1_000_000;

            System.out.println("[figure] with 100 slow connections open: heartbeat " + heartbeat + " in "
                    + heartbeatMillis + " ms, views " + views + " in " + viewsMillis + " ms, WHIP offer "
                    + whip + " in " + whipMillis + " ms");
            assertThat(heartbeat).isEqualTo(200);
            assertThat(views).isEqualTo(200);
            // answered by the forwarder: the registered origin has no API listening (502), or is
            // suspected after the warm-up failure (503)
            assertThat(whip).as("the offer is answered").isIn(502, 503);
            assertThat(heartbeatMillis).isLessThan(1000);
            assertThat(viewsMillis).isLessThan(1000);
            assertThat(whipMillis).isLessThan(1000);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void aSlowlorisIsAnswered408AndClosed() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_HTTP_HEAD_TIMEOUT", "1s")))) {
            long t0 = System.nanoTime();
            try (Socket s = slowConnection("127.0.0.1", gateway.systemApiAddress().getPort(), "/api/v1/versions")) {
                s.setSoTimeout(5000);
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                long millis = (System.nanoTime() - t0) / 1_000_000;

                System.out.println("[figure] slowloris answered after " + millis + " ms: "
                        + answer.lines().findFirst().orElse("(nothing)"));
                assertThat(answer).startsWith("HTTP/1.1 408");
                assertThat(millis).isBetween(900L, 4000L);
            }
            assertThat(get("127.0.0.1", gateway.systemApiAddress().getPort(), "/metrics", null).body())
                    .contains("originproxy_api_refused_total{api=\"system_api\",reason=\"timeout\"} 1\n")
                    .contains("originproxy_webrtc_binding_replays_refused_total 0\n");
        }
    }

    @Test
    void oneSourceGetsNoMoreThanItsShareOfConnections() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_HTTP_MAX_CONNECTIONS_PER_SOURCE", "8")))) {
            int port = gateway.httpApiAddress().getPort();
            for (int i = 0; i < 8; i++) {
                held.add(slowConnection("127.0.0.7", port, "/rtc/v1/whip/"));
            }
            Thread.sleep(200);
            for (int extra = 0; extra < 3; extra++) { // each one over the share, not just the first
                try (Socket over = slowConnection("127.0.0.7", port, "/rtc/v1/whip/")) {
                    over.setSoTimeout(3000);
                    String answer = new String(over.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    assertThat(answer).startsWith("HTTP/1.1 429");
                }
            }
            // another source is served as usual
            assertThat(get("127.0.0.8", gateway.systemApiAddress().getPort(), "/api/v1/versions", null).status())
                    .isEqualTo(200);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** A connection that sends the start of a request head and then nothing. */
    private static Socket slowConnection(String from, int port, String path) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/sdp\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return s;
    }

    private static int sdpPost(int port) throws IOException {
        byte[] body = OFFER.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("POST /rtc/v1/whip/?app=live&stream=s1 HTTP/1.1\r\nHost: proxy\r\n"
                    + "Content-Type: application/sdp\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().write(body);
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
            return Integer.parseInt(head.substring(9, 12));
        }
    }
}
