package dev.originproxy.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamKeyTest {

    @ParameterizedTest(name = "{0} {1}?{2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        // host header            | path                       | query                          | expected
        "NULL                     | /rtc/v1/whip/              | app=live&stream=livestream     | __defaultVhost__/live/livestream",
        "127.0.0.1:11985          | /rtc/v1/whip/              | app=live&stream=livestream     | __defaultVhost__/live/livestream",
        "[::1]:11985              | /rtc/v1/whep/              | app=live&stream=s1             | __defaultVhost__/live/s1",
        "localhost:1985           | /rtc/v1/whip/              | app=live&stream=s1             | __defaultVhost__/live/s1",
        "Example.COM:8080         | /rtc/v1/whip/              | app=live&stream=s1             | example.com/live/s1",
        "example.com:18080        | /live/livestream.flv       | NULL                           | example.com/live/livestream",
        "example.com:18080        | /live/livestream.m3u8      | NULL                           | example.com/live/livestream",
        "example.com              | /live/livestream.flv       | NULL                           | __defaultVhost__/live/livestream",
        "example.com              | /rtc/v1/whip/              | app=live&stream=s1             | __defaultVhost__/live/s1",
        "[::1]                    | /live/livestream.ts        | NULL                           | __defaultVhost__/live/livestream",
        "10.0.0.1                 | /a/b/live/cam.flv          | NULL                           | __defaultVhost__/live/cam",
        "example.com              | /rtc/v1/whip/              | app=live&stream=s1&vhost=v.tv  | v.tv/live/s1",
        "NULL                     | /live/livestream           | vhost=other.org                | other.org/live/livestream",
        "NULL                     | /rtc/v1/whip/              | app=live&stream=a%20b          | __defaultVhost__/live/a b",
        "NULL                     | /live/stream.name.flv      | NULL                           | __defaultVhost__/live/stream.name",
        "NULL                     | /live/clip.unknownext      | NULL                           | __defaultVhost__/live/clip.unknownext",
    })
    void derivesKeyFromHttpRequest(String host, String path, String query, String expected) {
        assertThat(StreamKey.fromHttpRequest(host, path, query).toString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "webrtc://127.0.0.1/live/livestream           | __defaultVhost__/live/livestream",
        "webrtc://example.com:1985/live/livestream    | example.com/live/livestream",
        "webrtc://example.com/live/livestream?vhost=v.tv | v.tv/live/livestream",
        "webrtc://[::1]:1985/live/s                   | __defaultVhost__/live/s",
        "rtmp://localhost/live/s                      | __defaultVhost__/live/s",
    })
    void derivesKeyFromStreamUrl(String url, String expected) {
        assertThat(StreamKey.fromStreamUrl(url).toString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "h={0} r={1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "NULL          | live/livestream              | __defaultVhost__/live/livestream",
        "example.com   | live/livestream              | example.com/live/livestream",
        "192.168.1.2   | live/livestream              | __defaultVhost__/live/livestream",
        "NULL          | live/livestream?vhost=v1.tv  | v1.tv/live/livestream",
        "example.com   | live/livestream?vhost=v1.tv  | v1.tv/live/livestream",
        "NULL          | /live/livestream/            | __defaultVhost__/live/livestream",
    })
    void derivesKeyFromSrtResource(String host, String resource, String expected) {
        assertThat(StreamKey.fromResource(host, resource).toString()).isEqualTo(expected);
    }

    @Test
    void samesStreamOverEveryProtocolMapsToOneKey() {
        StreamKey whip = StreamKey.fromHttpRequest("example.com:11985", "/rtc/v1/whip/", "app=live&stream=cam");
        StreamKey whep = StreamKey.fromHttpRequest("example.com:1985", "/rtc/v1/whep/", "app=live&stream=cam");
        StreamKey legacy = StreamKey.fromStreamUrl("webrtc://example.com/live/cam");
        StreamKey srt = StreamKey.fromResource("example.com", "live/cam");
        StreamKey flv = StreamKey.fromHttpRequest("example.com:8080", "/live/cam.flv", null);
        assertThat(whep).isEqualTo(whip);
        assertThat(legacy).isEqualTo(whip);
        assertThat(srt).isEqualTo(whip);
        assertThat(flv).isEqualTo(whip);
        assertThat(StreamKey.parse(whip.toString())).isEqualTo(whip);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "empty stream    | NULL | /rtc/v1/whip/ | app=live&stream=     | empty stream",
        "empty app       | NULL | /rtc/v1/whip/ | app=&stream=s        | empty",
        "traversal query | NULL | /rtc/v1/whip/ | app=..&stream=s      | path traversal",
        "traversal path  | NULL | /../../etc/passwd | NULL             | path traversal",
        "control char    | NULL | /rtc/v1/whip/ | app=live&stream=a%0Ab | control character",
        "slash in stream | NULL | /rtc/v1/whip/ | app=live&stream=a%2Fb | slash",
        "no path         | NULL | /            | NULL                  | empty",
    })
    void rejectsMalformedRequests(String name, String host, String path, String query, String reason) {
        assertThatThrownBy(() -> StreamKey.fromHttpRequest(host, path, query))
                .isInstanceOf(InvalidStreamKeyException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void rejectsKeysOver256Bytes() {
        String longName = "s".repeat(250);
        assertThatThrownBy(() -> StreamKey.of(null, "live", longName))
                .isInstanceOf(InvalidStreamKeyException.class).hasMessageContaining("256");
        assertThat(StreamKey.of(null, "live", "s".repeat(256 - "__defaultVhost__/live/".length())).toString())
                .hasSize(256);
    }

    @Test
    void rejectsBadResourcesAndUrls() {
        assertThatThrownBy(() -> StreamKey.fromResource(null, "")).isInstanceOf(InvalidStreamKeyException.class);
        assertThatThrownBy(() -> StreamKey.fromResource(null, "live/\u0001x")).hasMessageContaining("control");
        assertThatThrownBy(() -> StreamKey.fromResource(null, "live/../x")).hasMessageContaining("traversal");
        assertThatThrownBy(() -> StreamKey.fromStreamUrl("webrtc://h/live/a b c%")).isInstanceOf(InvalidStreamKeyException.class);
        assertThatThrownBy(() -> StreamKey.parse("nodelimiters")).isInstanceOf(InvalidStreamKeyException.class);
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "rtmp://127.0.0.1:1935/live|livestream|__defaultVhost__/live/livestream",
        "rtmp://localhost/live|livestream?token=abc|__defaultVhost__/live/livestream",
        "rtmp://Live.Example.com:1935/live|cam1|live.example.com/live/cam1",
        "rtmp://127.0.0.1/live?vhost=v.example.com|s|v.example.com/live/s",
        "rtmp://127.0.0.1/live|s?vhost=v2.example.com&token=1|v2.example.com/live/s",
        "rtmp://127.0.0.1/live|s?domain=d.example.com|d.example.com/live/s",
        "rtmp://host.example.com/live|s?vhost=__defaultVhost__|host.example.com/live/s",
        "rtmp://[::1]:1935/live|s|__defaultVhost__/live/s",
        "rtmp://user@cdn.example.com/app|s|cdn.example.com/app/s",
    })
    void rtmpKeysFollowSrs(String tcUrl, String stream, String expected) {
        assertThat(StreamKey.fromRtmp(tcUrl, null, stream)).hasToString(expected);
    }

    @Test
    void rtmpKeyUsesTheConnectAppWhenTcUrlHasNoPath() {
        assertThat(StreamKey.fromRtmp("rtmp://127.0.0.1", "live", "s")).hasToString("__defaultVhost__/live/s");
        assertThat(StreamKey.fromRtmp(null, "live?vhost=a.example.com", "s")).hasToString("a.example.com/live/s");
    }

    @Test
    void rtmpKeyRefusesEmptyOrTraversingNames() {
        assertThatThrownBy(() -> StreamKey.fromRtmp("rtmp://h/live", null, "")).isInstanceOf(InvalidStreamKeyException.class);
        assertThatThrownBy(() -> StreamKey.fromRtmp("rtmp://h/live", null, "?token=1")).isInstanceOf(InvalidStreamKeyException.class);
        assertThatThrownBy(() -> StreamKey.fromRtmp("rtmp://h/", null, "s")).isInstanceOf(InvalidStreamKeyException.class);
        assertThatThrownBy(() -> StreamKey.fromRtmp("rtmp://h/live", null, "../x")).isInstanceOf(InvalidStreamKeyException.class);
        assertThatThrownBy(() -> StreamKey.fromRtmp("rtmp://h/live", null, "a\u0001b")).isInstanceOf(InvalidStreamKeyException.class);
    }
}
