package dev.originproxy.examples.embedding;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddingExampleTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            + "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
            + "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=setup:actpass\r\n"
            + "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
            + "a=sendonly\r\na=rtpmap:96 VP8/90000\r\n";
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HttpResponse<String> post(InetSocketAddress at, String path, String contentType, String body)
            throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return client.send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Timeout(30)
    void registersOriginsByHeartbeatAndForwardsSignallingOnlyToLiveOrigins() throws Exception {
        try (EmbeddingExample example = new EmbeddingExample(new InetSocketAddress(LOOPBACK, 0),
                new InetSocketAddress(LOOPBACK, 0), new InetSocketAddress(LOOPBACK, 0), new InetSocketAddress(LOOPBACK, 0),
                "127.0.0.1")) {
            InetSocketAddress http = example.http.getAddress();

            HttpResponse<String> noOrigin = post(http, "/rtc/v1/whip/?app=live&stream=s1", "application/sdp", OFFER);
            assertThat(noOrigin.statusCode()).isEqualTo(503);
            assertThat(noOrigin.body()).contains("no origin available");

            HttpResponse<String> beat = post(http, "/api/v1/srs/register", "application/json",
                    "{\"device_id\":\"o1\",\"ip\":\"127.0.0.1\",\"server\":\"vid-1\",\"service\":\"s1\","
                            + "\"pid\":\"42\",\"rtmp\":[\"1935\"],\"api\":[\"1985\"],\"srt\":[\"10080\"]}");
            assertThat(beat.statusCode()).isEqualTo(200);
            assertThat(beat.body()).contains("\"code\":0");
            assertThat(example.balancer.registry().liveOrigins())
                    .singleElement().satisfies(o -> assertThat(o.ip()).isEqualTo("127.0.0.1"));

            HttpResponse<String> notSdp = post(http, "/rtc/v1/whip/?app=live&stream=s1", "application/sdp", "hello");
            assertThat(notSdp.statusCode()).isEqualTo(400);
        }
    }

    @Test
    @Timeout(30)
    void closeFreesTheUdpPorts() throws Exception {
        int webrtcPort;
        int srtPort;
        try (EmbeddingExample example = new EmbeddingExample(new InetSocketAddress(LOOPBACK, 0),
                new InetSocketAddress(LOOPBACK, 0), new InetSocketAddress(LOOPBACK, 0), new InetSocketAddress(LOOPBACK, 0),
                "127.0.0.1")) {
            webrtcPort = example.router.localAddress().getPort();
            srtPort = example.srt.localAddress().getPort();
        }
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress(LOOPBACK, webrtcPort));
             DatagramSocket b = new DatagramSocket(new InetSocketAddress(LOOPBACK, srtPort))) {
            assertThat(a.getLocalPort()).isEqualTo(webrtcPort);
            assertThat(b.getLocalPort()).isEqualTo(srtPort);
        }
    }
}
