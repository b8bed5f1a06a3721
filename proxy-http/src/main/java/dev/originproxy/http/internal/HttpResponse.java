package dev.originproxy.http.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A complete response a handler answers with: status, reason phrase, header fields and a body
 * held in memory (playlists, static files, errors). The front adds {@code Content-Length},
 * {@code Connection}, {@code Server}, {@code Date} and the CORS header, and drops the body of a
 * HEAD request while keeping its length (RFC 9110 §9.3.2). Streamed bodies (FLV, TS, segments)
 * go through {@link HttpExchange#relay} instead.
 *
 * <p>Built on one thread, then handed over; not thread-safe while being built.
 */
public final class HttpResponse {
    private final int status;
    private final String reason;
    private final List<HttpHeader> headers = new ArrayList<>();
    private ByteBuffer body = ByteBuffer.allocate(0);

    private HttpResponse(int status, String reason) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status out of range: " + status);
        }
        this.status = status;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** A response with the standard reason phrase of {@code status}. */
    public static HttpResponse status(int status) {
        return new HttpResponse(status, HttpStatus.reasonPhrase(status));
    }

    /**
     * An error response: the status, and a one-line reason as a {@code text/plain} body (CR/LF
     * in the reason become spaces so a reason can never split the head or the line).
     */
    public static HttpResponse error(int status, String reason) {
        String line = reason == null ? HttpStatus.reasonPhrase(status) : reason.replace('\r', ' ').replace('\n', ' ');
        return status(status).body(line + "\n", "text/plain; charset=utf-8");
    }

    /** Adds a header field (the front's own fields are added after these). */
    public HttpResponse header(String name, String value) {
        headers.add(new HttpHeader(name, value));
        return this;
    }

    /** Sets the body and its content type. */
    public HttpResponse body(ByteBuffer content, String contentType) {
        this.body = content.slice();
        return header("Content-Type", contentType);
    }

    /** Sets a UTF-8 text body and its content type. */
    public HttpResponse body(String text, String contentType) {
        return body(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), contentType);
    }

    /** The status code. */
    public int statusCode() {
        return status;
    }

    /** The reason phrase. */
    public String reason() {
        return reason;
    }

    /** The fields added so far. */
    public List<HttpHeader> headers() {
        return headers;
    }

    /** The body (a read-only view; may be empty). */
    public ByteBuffer body() {
        return body.asReadOnlyBuffer();
    }

    /** The first value of a field, or null. */
    public String header(String name) {
        for (HttpHeader h : headers) {
            if (h.is(name)) {
                return h.value();
            }
        }
        return null;
    }
}
