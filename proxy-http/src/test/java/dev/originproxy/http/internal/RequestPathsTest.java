package dev.originproxy.http.internal;

import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestPathsTest {
    private static HttpRequest get(String path, String query, String host) {
        List<HttpHeader> headers = host == null ? List.of() : List.of(new HttpHeader("Host", host));
        return new HttpRequest(HttpMethod.GET, "GET", path, query, true, true, headers,
                new InetSocketAddress("127.0.0.9", 40000));
    }

    @Test
    void decodesUtf8AndKeepsOrdinaryNames() throws Exception {
        assertThat(RequestPaths.decode("/players/%E2%9C%93%20x.html")).isEqualTo("/players/\u2713 x.html");
        assertThat(RequestPaths.decode("/a/b..c/d.")).isEqualTo("/a/b..c/d.");
    }

    @Test
    void refusesTraversalRawAndEncoded() {
        for (String p : List.of("/../etc/passwd", "/a/..", "/a/%2e%2e/b", "/a/%2E./b", "/a/./b", "/a%2fb",
                "/a%5c..%5cb", "/a\\b", "/a%00b", "/a%zz", "/a%2", "/a%C0%AE", "relative")) {
            assertThatThrownBy(() -> RequestPaths.decode(p)).as(p).isInstanceOf(RequestPaths.BadPathException.class);
        }
    }

    @Test
    void flvTsAndM3u8NameTheStreamWhipNames() {
        StreamKey whip = StreamKey.fromHttpRequest("proxy.example.com:18080", "/rtc/v1/whip/", "app=live&stream=livestream");
        for (String path : List.of("/live/livestream.flv", "/live/livestream.ts", "/live/livestream.m3u8")) {
            assertThat(StreamRequests.keyOf(get(path, "token=x", "proxy.example.com:18080"))).isEqualTo(whip);
        }
        assertThat(StreamRequests.keyOf(get("/any/thing.flv", "app=live&stream=livestream", "proxy.example.com:18080")))
                .isEqualTo(whip);
        assertThat(StreamRequests.keyOf(get("/live/livestream.flv", null, "127.0.0.1:18080")).toString())
                .isEqualTo("__defaultVhost__/live/livestream");
    }

    @Test
    void refusesEncodedTraversalInStreamPaths() {
        assertThatThrownBy(() -> StreamRequests.keyOf(get("/%2e%2e/livestream.flv", null, "a")))
                .isInstanceOf(InvalidStreamKeyException.class).hasMessageContaining("traversal");
        assertThatThrownBy(() -> StreamRequests.keyOf(get("/livestream.flv", null, "a")))
                .isInstanceOf(InvalidStreamKeyException.class);
    }

    @Test
    void forwardsTargetAndEndToEndFieldsOnly() {
        HttpRequest request = new HttpRequest(HttpMethod.GET, "GET", "/live/s.flv", "token=a%2Bb&x=1", true, true,
                List.of(new HttpHeader("Host", "proxy:18080"), new HttpHeader("Connection", "keep-alive, X-Secret"),
                        new HttpHeader("X-Secret", "s"), new HttpHeader("Keep-Alive", "timeout=5"),
                        new HttpHeader("User-Agent", "ffmpeg"), new HttpHeader("X-Real-IP", "6.6.6.6"),
                        new HttpHeader("X-Forwarded-For", "10.0.0.1")),
                new InetSocketAddress("127.0.0.9", 40000));
        String head = StandardCharsets.ISO_8859_1.decode(OriginRequests.forward(request)).toString();
        assertThat(head).isEqualTo("GET /live/s.flv?token=a%2Bb&x=1 HTTP/1.1\r\n"
                + "Host: proxy:18080\r\nUser-Agent: ffmpeg\r\n"
                + "X-Forwarded-For: 10.0.0.1, 127.0.0.9\r\nX-Real-IP: 127.0.0.9\r\nConnection: close\r\n\r\n");
    }
}
