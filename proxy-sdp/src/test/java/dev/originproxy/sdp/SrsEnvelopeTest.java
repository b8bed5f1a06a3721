package dev.originproxy.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.originproxy.sdp.SdpException.Reason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SrsEnvelopeTest {

    @Test
    void unwrapsAPublishRequest() {
        SrsEnvelope request = SrsEnvelope.parse(Fixtures.text("srs-publish-request.json"));

        assertThat(request.sdp()).contains(Fixtures.text(Fixtures.CHROME_OFFER));
        assertThat(request.streamUrl()).contains("webrtc://localhost/live/livestream");
        assertThat(request.stringField("tid")).contains("7f3a2b1");
        assertThat(request.fieldNames()).containsExactly("api", "tid", "streamurl", "clientip", "sdp");
        assertThat(request.has("clientip")).isTrue();
        assertThat(request.stringField("clientip")).isEmpty();
    }

    @Test
    void unwrapsAnAnswer() {
        SrsEnvelope answer = SrsEnvelope.parse(Fixtures.bytes("srs-publish-answer.json"), SrsEnvelope.DEFAULT_MAX_LENGTH);

        assertThat(answer.longField("code")).hasValue(0);
        assertThat(answer.stringField("code")).isEmpty();
        assertThat(answer.stringField("sessionid")).contains("3r9k1m7x:Dz5m");
        assertThat(answer.requireSdp()).isEqualTo(Fixtures.text(Fixtures.SRS_ANSWER));
    }

    @Test
    void rewrapsAnAnswerKeepingEveryOtherFieldInOrder() {
        String original = Fixtures.text("srs-publish-answer.json");
        SrsEnvelope answer = SrsEnvelope.parse(original);

        String rewrapped = answer.withSdp("v=0\r\nnew\r\n");

        assertThat(rewrapped).isEqualTo("{\"code\":0,\"server\":\"vid-0xk5s3v\",\"service\":\"3n9p1k5c\",\"pid\":\"56789\","
                + "\"sdp\":\"v=0\\r\\nnew\\r\\n\",\"sessionid\":\"3r9k1m7x:Dz5m\"}");
        assertThat(SrsEnvelope.parse(answer.withSdp(answer.requireSdp())).requireSdp()).isEqualTo(answer.requireSdp());
    }

    @Test
    void rewrapKeepsTypesNumbersAsWrittenAndNestedValues() {
        SrsEnvelope envelope = SrsEnvelope.parse("{\"code\": 0, \"ratio\": 1.50, \"big\": 123456789012345678901234567890,"
                + " \"ok\": true, \"no\": false, \"none\": null, \"sdp\": \"old\","
                + " \"nested\": {\"sdp\": \"inner\", \"list\": [1, \"two\", {\"three\": [3.0e2]}, []]}, \"tail\": \"x\"}");

        String rewrapped = envelope.withSdp("new");

        assertThat(rewrapped).isEqualTo("{\"code\":0,\"ratio\":1.50,\"big\":123456789012345678901234567890,"
                + "\"ok\":true,\"no\":false,\"none\":null,\"sdp\":\"new\","
                + "\"nested\":{\"sdp\":\"inner\",\"list\":[1,\"two\",{\"three\":[3.0e2]},[]]},\"tail\":\"x\"}");
        assertThat(envelope.longField("big")).isEmpty();
        assertThat(envelope.longField("ratio")).isEmpty();
    }

    @Test
    void rewrapReplacesAnObjectValuedSdpAndAppendsAMissingOne() {
        assertThat(SrsEnvelope.parse("{\"sdp\":{\"a\":[1]},\"x\":1}").withSdp("v=0")).isEqualTo("{\"sdp\":\"v=0\",\"x\":1}");
        assertThat(SrsEnvelope.parse("{\"code\":400}").withSdp("v=0")).isEqualTo("{\"code\":400,\"sdp\":\"v=0\"}");
    }

    @Test
    void requireSdpFailsClearlyWithoutAnSdpString() {
        assertThatThrownBy(() -> SrsEnvelope.parse("{\"sdp\": 5}").requireSdp())
                .isInstanceOfSatisfying(SdpException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_ENVELOPE));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "   ",
            "[]",
            "\"sdp\"",
            "42",
            "{",
            "{\"sdp\": }",
            "{\"sdp\": \"a\",}",
            "{\"sdp\": \"a\"} {}",
            "{\"sdp\": \"a\"} x",
            "{sdp: \"a\"}",
            "{'sdp': 'a'}",
            "{\"sdp\": \"a\", \"sdp\": \"b\"}",
            "{\"sdp\": \"a\nb\"}",
            "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
            "{\"n\": NaN}",
    })
    void refusesBadJsonWithAOneLineError(String json) {
        assertThatThrownBy(() -> SrsEnvelope.parse(json)).isInstanceOfSatisfying(SdpException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.MALFORMED_ENVELOPE);
            assertThat(e.getMessage()).doesNotContain("\n", "\r");
        });
    }

    @Test
    void refusesOversizeEnvelopesAsTooLarge() {
        String big = "{\"sdp\":\"" + "x".repeat(100) + "\"}";

        assertThatThrownBy(() -> SrsEnvelope.parse(big, 64)).isInstanceOfSatisfying(SdpException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
        assertThatThrownBy(() -> SrsEnvelope.parse(big.getBytes(StandardCharsets.UTF_8), 64))
                .isInstanceOfSatisfying(SdpException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
    }

    @Test
    void refusesNonUtf8Bytes() {
        byte[] json = {'{', '"', 's', 'd', 'p', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        assertThatThrownBy(() -> SrsEnvelope.parse(json, 1024)).isInstanceOfSatisfying(SdpException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_UTF8));
    }
}
