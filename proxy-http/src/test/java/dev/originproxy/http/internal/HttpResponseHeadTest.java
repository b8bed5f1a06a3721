package dev.originproxy.http.internal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HttpResponseHeadTest {
    private final HttpResponseHead head = new HttpResponseHead(512, 8);

    private HttpRequestHead.Outcome parse(String text) {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
        return head.wrap(b, 0, b.limit());
    }

    @Test
    void readsStatusReasonAndFraming() {
        assertThat(parse("HTTP/1.1 206 Partial Content\r\nContent-Length: 42\r\nContent-Range: bytes 0-41/100\r\n\r\nxx"))
                .isEqualTo(HttpRequestHead.Outcome.COMPLETE);
        assertThat(head.status()).isEqualTo(206);
        assertThat(head.reason()).isEqualTo("Partial Content");
        assertThat(head.contentLength()).isEqualTo(42);
        assertThat(head.chunked()).isFalse();
        assertThat(head.headLength()).isEqualTo(83);
        assertThat(parse("HTTP/1.0 200\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.COMPLETE);
        assertThat(head.reason()).isEmpty();
        assertThat(head.chunked()).isTrue();
        assertThat(head.hasTransferEncoding()).isTrue();
    }

    @Test
    void refusesWhatCouldDesynchroniseTheRelay() {
        assertThat(parse("HTTP/1.1 200 OK\nContent-Length: 1\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.INVALID);
        assertThat(head.error()).contains("bare LF");
        assertThat(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"))
                .isEqualTo(HttpRequestHead.Outcome.INVALID);
        assertThat(parse("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.INVALID);
        assertThat(parse("HTTP/1.1 2x0 OK\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.INVALID);
        assertThat(parse("ICY 200 OK\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.INVALID);
        assertThat(parse("HTTP/1.1 200 OK\r\nX: " + "y".repeat(600))).isEqualTo(HttpRequestHead.Outcome.INVALID);
        assertThat(head.error()).contains("too large");
        assertThat(parse("HTTP/1.1 200 OK\r\nX: y\r\n")).isEqualTo(HttpRequestHead.Outcome.INCOMPLETE);
    }
}
