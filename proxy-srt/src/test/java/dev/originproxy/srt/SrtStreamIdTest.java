package dev.originproxy.srt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;

class SrtStreamIdTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // stream id                                   | mode          | vhost            | app  | stream     | user
        "#!::r=live/livestream,m=publish               | PUBLISH       | __defaultVhost__ | live | livestream | -",
        "#!::h=example.com,r=live/s1,m=request,u=bob,x=1 | REQUEST     | example.com      | live | s1         | bob",
        "#!::r=live/s2                                 | REQUEST       | __defaultVhost__ | live | s2         | -",
        "#!::m=bidirectional,r=live/s3?vhost=v1.example | BIDIRECTIONAL | v1.example     | live | s3         | -",
        "#!::h=127.0.0.1:1935,r=live/s4,m=publish      | PUBLISH       | __defaultVhost__ | live | s4         | -",
        "live/livestream                               | REQUEST       | __defaultVhost__ | live | livestream | -",
        "live/livestream?vhost=v1                      | REQUEST       | v1               | live | livestream | -",
        "rdv/test                                      | REQUEST       | __defaultVhost__ | rdv  | test       | -",
    })
    void parsesStreamIdIntoStreamKey(String id, SrtStreamId.Mode mode, String vhost, String app,
            String stream, String user) {
        SrtStreamId parsed = SrtStreamId.parse(id);

        assertThat(parsed.isEmpty()).isFalse();
        assertThat(parsed.mode()).isEqualTo(mode);
        assertThat(parsed.user()).isEqualTo(user);
        StreamKey key = parsed.toStreamKey();
        assertThat(key.vhost()).isEqualTo(vhost);
        assertThat(key.app()).isEqualTo(app);
        assertThat(key.stream()).isEqualTo(stream);
        assertThat(parsed.toString()).isEqualTo(id);
    }

    @Test
    void accessControlSyntaxKeepsEveryKeyInOrder() {
        SrtStreamId parsed = SrtStreamId.parse("#!::h=example.com,r=live/s1,m=request,u=bob,x=1,s=abc,t=stream,y=a=b");

        assertThat(parsed.isAccessControl()).isTrue();
        assertThat(parsed.host()).isEqualTo("example.com");
        assertThat(parsed.resource()).isEqualTo("live/s1");
        assertThat(parsed.session()).isEqualTo("abc");
        assertThat(parsed.type()).isEqualTo("stream");
        assertThat(parsed.parameters()).containsExactly(
                Map.entry("h", "example.com"), Map.entry("r", "live/s1"), Map.entry("m", "request"),
                Map.entry("u", "bob"), Map.entry("x", "1"), Map.entry("s", "abc"), Map.entry("t", "stream"),
                Map.entry("y", "a=b"));
    }

    @Test
    void plainIdIsItsOwnResource() {
        SrtStreamId parsed = SrtStreamId.parse("live/livestream");

        assertThat(parsed.isAccessControl()).isFalse();
        assertThat(parsed.resource()).isEqualTo("live/livestream");
        assertThat(parsed.host()).isNull();
        assertThat(parsed.parameters()).isEmpty();
    }

    @Test
    void emptyIdIsDistinctAndHasNoStreamKey() {
        assertThat(SrtStreamId.parse("").isEmpty()).isTrue();
        assertThat(SrtStreamId.parse(null).isEmpty()).isTrue();
        assertThatThrownBy(() -> SrtStreamId.parse("").toStreamKey())
                .isInstanceOf(InvalidStreamKeyException.class).hasMessage("empty stream id");
    }

    @Test
    void accessControlIdWithoutResourceHasNoStreamKey() {
        SrtStreamId parsed = SrtStreamId.parse("#!::m=publish,u=bob");

        assertThat(parsed.resource()).isNull();
        assertThatThrownBy(parsed::toStreamKey).isInstanceOf(InvalidStreamKeyException.class)
                .hasMessage("stream id has no resource (r=)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "#!::r=live/s,publish          | stream id item is not key=value: publish",
        "#!::r=live/s,=x               | stream id item has an empty key: =x",
        "#!::r=live/s,                 | stream id has an empty item",
        "#!::,r=live/s                 | stream id has an empty item",
        "#!::r=live/s,r=live/t         | stream id repeats key r",
        "#!::r=live/s,m=record         | unknown stream id mode m=record",
    })
    void malformedAccessControlSyntaxIsRejectedWithOneLineReason(String id, String reason) {
        assertThatThrownBy(() -> SrtStreamId.parse(id))
                .isInstanceOf(InvalidStreamKeyException.class)
                .hasMessage(reason);
    }

    @Test
    void controlCharactersAreRejected() {
        assertThatThrownBy(() -> SrtStreamId.parse("live/s\ntream"))
                .isInstanceOf(InvalidStreamKeyException.class)
                .hasMessage("control character in stream id at index 6");
        assertThatThrownBy(() -> SrtStreamId.parse("#!::r=live/\u007f"))
                .isInstanceOf(InvalidStreamKeyException.class);
    }

    @Test
    void idsLongerThan512BytesAreRejected() {
        String max = "a/" + "b".repeat(510);
        assertThat(SrtStreamId.parse(max).resource()).hasSize(512);

        assertThatThrownBy(() -> SrtStreamId.parse(max + "c"))
                .isInstanceOf(InvalidStreamKeyException.class)
                .hasMessage("stream id longer than 512 bytes");
        // 171 three-byte characters: 513 bytes in UTF-8 though only 171 chars long
        assertThatThrownBy(() -> SrtStreamId.parse("\u20ac".repeat(171)))
                .isInstanceOf(InvalidStreamKeyException.class);
    }

    @Test
    void resourceThatIsNoStreamKeyFailsInTheCoreParser() {
        assertThatThrownBy(() -> SrtStreamId.parse("#!::r=live/..,m=publish").toStreamKey())
                .isInstanceOf(InvalidStreamKeyException.class);
        assertThatThrownBy(() -> SrtStreamId.parse("livestream").toStreamKey())
                .isInstanceOf(InvalidStreamKeyException.class);
    }

    @Test
    void streamIdsOfTheCapturesParse() {
        String[][] cases = {
            {"a_streamid_access", "__defaultVhost__/live/livestream"},
            {"b_streamid_plain", "__defaultVhost__/live/livestream"},
            {"g_sid_16chars", "__defaultVhost__/live/livestream1"},
        };
        for (String[] c : cases) {
            String sid = SrtVectors.handshake(c[0], "3-conclusion-request").streamId();
            assertThat(SrtStreamId.parse(sid).toStreamKey()).hasToString(c[1]);
        }
    }
}
