package dev.originproxy.http.internal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HttpRequestHeadTest {
    private final HttpRequestHead head = new HttpRequestHead(256, 1024, 8);

    private HttpRequestHead.Outcome parse(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        // parsed at an offset inside a larger direct buffer, as the front's read buffer holds it
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length + 10);
        buffer.position(5);
        buffer.put(bytes);
        return head.wrap(buffer, 5, bytes.length);
    }

    private HeadError refusal(String text) {
        assertThat(parse(text)).isEqualTo(HttpRequestHead.Outcome.INVALID);
        return head.error();
    }

    @Test
    void parsesTypicalGetInPlace() {
        String text = "GET /live/livestream.flv?token=a%20b HTTP/1.1\r\nHost: 127.0.0.1:18080\r\n"
                + "User-Agent: ffmpeg\r\nAccept:  */*  \r\n\r\nBODY";
        assertThat(parse(text)).isEqualTo(HttpRequestHead.Outcome.COMPLETE);
        assertThat(head.method()).isEqualTo(HttpMethod.GET);
        assertThat(head.path()).isEqualTo("/live/livestream.flv");
        assertThat(head.query()).isEqualTo("token=a%20b");
        assertThat(head.host()).isEqualTo("127.0.0.1:18080");
        assertThat(head.headerCount()).isEqualTo(3);
        assertThat(head.headerValue(2)).isEqualTo("*/*");
        assertThat(head.headLength()).isEqualTo(text.length() - 4);
        assertThat(head.keepAlive()).isTrue();
        assertThat(head.contentLength()).isEqualTo(-1);
    }

    @Test
    void saysIncompleteUntilTheEmptyLine() {
        assertThat(parse("GET / HTTP/1.1\r\nHost: a\r\n")).isEqualTo(HttpRequestHead.Outcome.INCOMPLETE);
        assertThat(parse("GET / HTTP/1.1\r\nHost: a\r\n\r")).isEqualTo(HttpRequestHead.Outcome.INCOMPLETE);
        assertThat(parse("GET / HT")).isEqualTo(HttpRequestHead.Outcome.INCOMPLETE);
        assertThat(parse("")).isEqualTo(HttpRequestHead.Outcome.INCOMPLETE);
    }

    @Test
    void knowsMethodsAndKeepAliveRules() {
        assertThat(parse("HEAD / HTTP/1.0\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.COMPLETE);
        assertThat(head.method()).isEqualTo(HttpMethod.HEAD);
        assertThat(head.keepAlive()).isFalse();
        assertThat(parse("OPTIONS * HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.COMPLETE);
        assertThat(head.method()).isEqualTo(HttpMethod.OPTIONS);
        assertThat(head.keepAlive()).isTrue();
        assertThat(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.COMPLETE);
        assertThat(head.keepAlive()).isFalse();
        assertThat(parse("BREW / HTTP/1.1\r\nHost: a\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.COMPLETE);
        assertThat(head.method()).isEqualTo(HttpMethod.OTHER);
        assertThat(head.methodText()).isEqualTo("BREW");
    }

    @Test
    void refusesSmugglingVectors() {
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"))
                .isEqualTo(HeadError.TRANSFER_ENCODING);
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"))
                .isEqualTo(HeadError.TRANSFER_ENCODING);
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"))
                .isEqualTo(HeadError.BAD_CONTENT_LENGTH);
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"))
                .isEqualTo(HeadError.BAD_CONTENT_LENGTH);
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n")).isEqualTo(HeadError.OBS_FOLD);
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n")).isEqualTo(HeadError.BARE_CR);
        assertThat(refusal("GET / HTTP/1.1\nHost: a\r\n\r\n")).isEqualTo(HeadError.BARE_LF);
        assertThat(refusal("GET / HTTP/1.1\r\nHost : a\r\n\r\n")).isEqualTo(HeadError.WHITESPACE_BEFORE_COLON);
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).isEqualTo(HeadError.BAD_HOST);
        assertThat(refusal("GET / HTTP/1.1\r\nX: y\r\n\r\n")).isEqualTo(HeadError.BAD_HOST);
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\u0000b\r\n\r\n")).isEqualTo(HeadError.BAD_HEADER_VALUE);
        assertThat(refusal("GET / HTTP/1.1\r\nBad[name]: a\r\n\r\n")).isEqualTo(HeadError.MALFORMED_HEADER);
    }

    @Test
    void refusesMalformedRequestLines() {
        assertThat(refusal("GET  / HTTP/1.1\r\n\r\n")).isEqualTo(HeadError.MALFORMED_REQUEST_LINE);
        assertThat(refusal("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n")).isEqualTo(HeadError.MALFORMED_TARGET);
        assertThat(refusal("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n")).isEqualTo(HeadError.MALFORMED_TARGET);
        assertThat(refusal("GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n")).isEqualTo(HeadError.MALFORMED_TARGET);
        assertThat(refusal("GET / HTTP/2.0\r\n\r\n")).isEqualTo(HeadError.UNSUPPORTED_VERSION);
        assertThat(refusal("GET / HTTP/1.2\r\n\r\n")).isEqualTo(HeadError.UNSUPPORTED_VERSION);
        assertThat(refusal("GET / FTP/1.1\r\n\r\n")).isEqualTo(HeadError.MALFORMED_REQUEST_LINE);
        assertThat(refusal("GET /\r\n\r\n")).isEqualTo(HeadError.MALFORMED_REQUEST_LINE);
        assertThat(refusal("G(T / HTTP/1.1\r\n\r\n")).isEqualTo(HeadError.MALFORMED_REQUEST_LINE);
        assertThat(refusal("\r\n")).isEqualTo(HeadError.MALFORMED_METHOD);
    }

    @Test
    void boundsRequestLineHeadAndFieldCount() {
        assertThat(refusal("GET /" + "a".repeat(300))).isEqualTo(HeadError.REQUEST_LINE_TOO_LONG);
        assertThat(head.error().status()).isEqualTo(414);
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\r\nX: " + "b".repeat(1100))).isEqualTo(HeadError.HEAD_TOO_LARGE);
        assertThat(head.error().status()).isEqualTo(431);
        assertThat(refusal("GET / HTTP/1.1\r\nHost: a\r\nX: " + "b".repeat(1100) + "\r\n\r\n"))
                .isEqualTo(HeadError.HEAD_TOO_LARGE);
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 8; i++) {
            many.append("X").append(i).append(": v\r\n");
        }
        assertThat(refusal(many + "\r\n")).isEqualTo(HeadError.TOO_MANY_HEADERS);
    }

    @Test
    void findsHeadersByNameIgnoringCase() {
        assertThat(parse("GET / HTTP/1.1\r\nhOsT: a\r\nRANGE: bytes=0-1\r\n\r\n")).isEqualTo(HttpRequestHead.Outcome.COMPLETE);
        assertThat(head.indexOf(HttpRequestHead.ascii("range"))).isEqualTo(1);
        assertThat(head.indexOf(HttpRequestHead.ascii("cookie"))).isEqualTo(-1);
        HttpRequest request = HttpRequest.of(head, null);
        assertThat(request.header("range")).isEqualTo("bytes=0-1");
        assertThat(request.extension()).isEmpty();
    }
}
