package dev.originproxy.core.api;

import dev.originproxy.core.internal.QueryString;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An HTTP request as a framework-neutral value: what a host's HTTP server hands to the
 * signalling forwarder or the registration handler. Header names are case-insensitive.
 *
 * <p>Immutable and thread-safe (the body array is not copied: do not change it after handing
 * it over).
 */
public final class ApiRequest {
    private final String method;
    private final String path;
    private final String rawPath;
    private final String rawQuery;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final InetSocketAddress remoteAddress;
    private Map<String, String> query;

    /**
     * A request whose raw path is its path (hosts that only have the decoded path: a path with
     * characters that need escaping then fails the raw-path checks, which is the safe side).
     *
     * @param method the HTTP method, e.g. {@code POST}
     * @param path the decoded path, e.g. {@code /rtc/v1/whip/}
     * @param rawQuery the raw query without {@code ?}, or null
     * @param headers header values by name, any case
     * @param body the body, empty when none
     * @param remoteAddress the client's address, or null when unknown
     */
    public ApiRequest(String method, String path, String rawQuery, Map<String, List<String>> headers,
                      byte[] body, InetSocketAddress remoteAddress) {
        this(method, path, path, rawQuery, headers, body, remoteAddress);
    }

    /**
     * @param method the HTTP method, e.g. {@code POST}
     * @param path the decoded path, e.g. {@code /rtc/v1/whip/}
     * @param rawPath the path exactly as it arrived, percent-escapes kept; what a proxy forwards
     * @param rawQuery the raw query without {@code ?}, or null
     * @param headers header values by name, any case
     * @param body the body, empty when none
     * @param remoteAddress the client's address, or null when unknown
     */
    public ApiRequest(String method, String path, String rawPath, String rawQuery,
                      Map<String, List<String>> headers, byte[] body, InetSocketAddress remoteAddress) {
        this.method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
        this.path = path == null || path.isEmpty() ? "/" : path;
        this.rawPath = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        this.rawQuery = rawQuery == null || rawQuery.isEmpty() ? null : rawQuery;
        TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey() != null) {
                    h.computeIfAbsent(e.getKey(), k -> new java.util.ArrayList<>()).addAll(e.getValue());
                }
            }
        }
        this.headers = Collections.unmodifiableMap(h);
        this.body = body == null ? new byte[0] : body;
        this.remoteAddress = remoteAddress;
    }

    /** A request with no headers or remote address (tests, simple hosts). */
    public static ApiRequest of(String method, String pathAndQuery, byte[] body) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        return new ApiRequest(method, path, query, Map.of(), body, null);
    }

    /** The upper-case method. */
    public String method() {
        return method;
    }

    /** The path, {@code /} when empty. */
    public String path() {
        return path;
    }

    /**
     * The path as it arrived, percent-escapes kept. Anything built from it towards another
     * server must use this, never the decoded {@link #path()} ({@code %3F} or {@code %2F}
     * decoded would change what the other server reads).
     */
    public String rawPath() {
        return rawPath;
    }

    /** The raw query, or null. */
    public String rawQuery() {
        return rawQuery;
    }

    /** One decoded query parameter, or null. */
    public String queryParam(String name) {
        Map<String, String> q = query;
        if (q == null) {
            q = QueryString.parse(rawQuery);
            query = q;
        }
        return q.get(name);
    }

    /** Every header, names case-insensitive (unmodifiable). */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** The body (possibly empty, never null). */
    public byte[] body() {
        return body;
    }

    /** The client's address, or null. */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** Method, path and query for a log line: secret-named query values redacted, one line, bounded. */
    @Override
    public String toString() {
        return Redaction.oneLine(method + " " + rawPath + (rawQuery == null ? "" : "?" + Redaction.query(rawQuery)), 256);
    }
}
