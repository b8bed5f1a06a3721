package dev.originproxy.http.internal;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One parsed request as handlers see it: method, raw target (path still percent-encoded, query
 * kept byte for byte so tokens reach the origin unchanged), header fields in order, the client's
 * address. Built once per request from an {@link HttpRequestHead}; immutable and thread-safe, so
 * a handler may carry it off the event loop.
 */
public final class HttpRequest {
    private final HttpMethod method;
    private final String methodText;
    private final String path;
    private final String query;
    private final boolean http11;
    private final boolean keepAlive;
    private final List<HttpHeader> headers;
    private final InetSocketAddress client;

    /**
     * @param path the raw path (starts with {@code /}, or is {@code *})
     * @param query the raw query without {@code ?}, or null
     */
    public HttpRequest(HttpMethod method, String methodText, String path, String query, boolean http11,
                       boolean keepAlive, List<HttpHeader> headers, InetSocketAddress client) {
        this.method = Objects.requireNonNull(method, "method");
        this.methodText = Objects.requireNonNull(methodText, "methodText");
        this.path = Objects.requireNonNull(path, "path");
        this.query = query;
        this.http11 = http11;
        this.keepAlive = keepAlive;
        this.headers = List.copyOf(headers);
        this.client = client;
    }

    /** Copies a complete head (allocates the strings once). */
    public static HttpRequest of(HttpRequestHead head, InetSocketAddress client) {
        int n = head.headerCount();
        HttpHeader[] fields = new HttpHeader[n];
        for (int i = 0; i < n; i++) {
            fields[i] = new HttpHeader(head.headerName(i), head.headerValue(i));
        }
        return new HttpRequest(head.method(), head.methodText(), head.path(), head.query(), head.isHttp11(),
                head.keepAlive(), List.of(fields), client);
    }

    /** The method. */
    public HttpMethod method() {
        return method;
    }

    /** The method token as sent. */
    public String methodText() {
        return methodText;
    }

    /** The raw path, percent-encoded as sent. */
    public String path() {
        return path;
    }

    /** The raw query without {@code ?}, or null. */
    public String query() {
        return query;
    }

    /** Path and query as sent ({@code /live/s.flv?token=1}). */
    public String target() {
        return query == null ? path : path + "?" + query;
    }

    /** Whether the request was HTTP/1.1. */
    public boolean isHttp11() {
        return http11;
    }

    /** Whether the client wants the connection kept after the response. */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** Every header field in order. */
    public List<HttpHeader> headers() {
        return headers;
    }

    /** The first value of a field (case-insensitive name), or null. */
    public String header(String name) {
        for (HttpHeader h : headers) {
            if (h.is(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** The Host field, or null. */
    public String host() {
        return header("Host");
    }

    /** The client's address (the TCP peer), or null in unit tests. */
    public InetSocketAddress client() {
        return client;
    }

    /**
     * The lower-case extension of the path's last segment without the dot ({@code flv},
     * {@code m3u8}, {@code ts}...), or {@code ""} when it has none.
     */
    public String extension() {
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        if (dot <= slash + 1 || dot == path.length() - 1) {
            return "";
        }
        return path.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return methodText + " " + path + (query == null ? "" : "?…");
    }
}
