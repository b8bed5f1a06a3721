package dev.originproxy.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import dev.originproxy.core.internal.QueryString;

/**
 * The name of one stream across every protocol: vhost, app and stream, with the canonical text
 * {@code vhost/app/stream}. Publishers and players of one stream meet on one origin because they
 * derive the same key, whether they speak WHIP, WHEP, the SRS JSON API or SRT.
 *
 * <p>Parsing follows the SRS proxy so that SRS origins and players agree on names:
 * <ul>
 *   <li>app and stream come from the query ({@code ?app=&stream=}) when both are present,
 *       otherwise from the last two path segments, with a media extension ({@code .flv},
 *       {@code .m3u8}, ...) removed from the stream;</li>
 *   <li>the vhost comes from the host: a DNS name with at least one dot becomes the vhost
 *       (lower-cased, port dropped); an IP literal, a bare name such as {@code localhost}, or no
 *       host gives {@link #DEFAULT_VHOST}; a {@code vhost} query parameter wins over the host.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe. Factories throw {@link InvalidStreamKeyException}
 * with a one-line reason for empty parts, traversal segments ({@code .}/{@code ..}), control
 * characters, or a canonical text over {@link #MAX_BYTES} UTF-8 bytes.
 */
public final class StreamKey {
    /** The vhost of streams whose request names no host (the SRS default). */
    public static final String DEFAULT_VHOST = "__defaultVhost__";
    /** The largest canonical key, in UTF-8 bytes. */
    public static final int MAX_BYTES = 256;

    private final String vhost;
    private final String app;
    private final String stream;
    private final String canonical;

    private StreamKey(String vhost, String app, String stream) {
        this.vhost = vhost;
        this.app = app;
        this.stream = stream;
        this.canonical = vhost + "/" + app + "/" + stream;
        if (canonical.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new InvalidStreamKeyException("stream key longer than " + MAX_BYTES + " bytes");
        }
    }

    /**
     * A key from its three parts, validated.
     *
     * @param vhost the vhost, or null/empty for the default vhost
     */
    public static StreamKey of(String vhost, String app, String stream) {
        String v = vhost == null || vhost.isEmpty() ? DEFAULT_VHOST : vhost;
        checkPart("vhost", v);
        checkPart("app", app);
        checkPart("stream", stream);
        return new StreamKey(v, app, stream);
    }

    /**
     * The key of an HTTP signalling or playback request (WHIP, WHEP, the SRS JSON API, HTTP-FLV/TS,
     * HLS), as the SRS proxy derives it: {@code ?app=&stream=} when the query names them, else the
     * last two path segments minus a media extension; the vhost is {@code ?vhost=}, else the
     * {@code Host} header's name only when the header carries a port ({@code Host: name:port}), so
     * a bare {@code Host: name}, an IP literal or a name without a dot is the default vhost.
     *
     * @param hostHeader the {@code Host} header, may be null
     * @param path the request path, without query
     * @param query the raw (still percent-encoded) query string without {@code ?}, may be null
     */
    public static StreamKey fromHttpRequest(String hostHeader, String path, String query) {
        Map<String, String> params = QueryString.parse(query);
        String app = params.get("app");
        String stream = params.get("stream");
        // A query that names app or stream is authoritative (an empty value is an error, not a
        // reason to guess from the path, which for WHIP is /rtc/v1/whip/).
        if (app == null || stream == null) {
            String[] lastTwo = lastTwoSegments(path == null ? "" : path);
            if (app == null) {
                app = lastTwo[0];
            }
            if (stream == null) {
                stream = stripExtension(lastTwo[1]);
            }
        }
        String vhost = params.get("vhost");
        if (isBlank(vhost)) {
            vhost = vhostOfHost(hostWithPort(hostHeader));
        }
        return of(vhost, app, stream);
    }

    /**
     * The key of a legacy stream URL such as {@code webrtc://host/app/stream} (the SRS JSON API's
     * {@code streamurl}); a {@code ?vhost=} in the URL wins over its host.
     */
    public static StreamKey fromStreamUrl(String streamUrl) {
        if (isBlank(streamUrl)) {
            throw new InvalidStreamKeyException("empty stream url");
        }
        checkNoControl("stream url", streamUrl);
        URI uri;
        try {
            uri = new URI(streamUrl);
        } catch (URISyntaxException e) {
            throw new InvalidStreamKeyException("malformed stream url: " + e.getReason());
        }
        if (uri.getRawPath() == null) {
            throw new InvalidStreamKeyException("stream url has no path");
        }
        String[] lastTwo = lastTwoSegments(uri.getPath());
        String vhost = QueryString.parse(uri.getRawQuery()).get("vhost");
        if (isBlank(vhost)) {
            vhost = vhostOfHost(uri.getHost());
        }
        return of(vhost, lastTwo[0], stripExtension(lastTwo[1]));
    }

    /**
     * The key of a resource name and an optional host, as an SRT stream id carries them
     * ({@code r=app/stream} with host from {@code h=}, or a plain {@code app/stream}); a
     * {@code ?vhost=} suffix of the resource wins over the host.
     *
     * @param host a host name or IP literal, may be null
     * @param resource {@code app/stream}, optionally followed by {@code ?vhost=...}
     */
    public static StreamKey fromResource(String host, String resource) {
        if (isBlank(resource)) {
            throw new InvalidStreamKeyException("empty resource");
        }
        checkNoControl("resource", resource);
        String path = resource;
        String query = null;
        int q = resource.indexOf('?');
        if (q >= 0) {
            path = resource.substring(0, q);
            query = resource.substring(q + 1);
        }
        String[] lastTwo = lastTwoSegments(path);
        String vhost = QueryString.parse(query).get("vhost");
        if (isBlank(vhost)) {
            vhost = vhostOfHost(hostOf(host));
        }
        return of(vhost, lastTwo[0], stripExtension(lastTwo[1]));
    }

    /**
     * The key of an RTMP {@code publish} or {@code play}, as SRS derives it
     * ({@code srs_discovery_tc_url}): the path of {@code tcUrl} joined with the stream name gives
     * app and stream (the last two segments); the vhost is a {@code vhost} (or else {@code domain})
     * query parameter of the stream name or of {@code tcUrl}, otherwise the host of {@code tcUrl}
     * when it is a DNS name (an IP literal or a bare name gives {@link #DEFAULT_VHOST}). The stream
     * name's query (tokens) is not part of the key.
     *
     * @param tcUrl the {@code connect} command's {@code tcUrl}, e.g.
     *     {@code rtmp://live.example.com:1935/live?vhost=v}; may be null when the client sent none
     * @param app the {@code connect} command's {@code app}, used when {@code tcUrl} has no path;
     *     may be null
     * @param streamName the {@code publish}/{@code play} name, optionally with {@code ?query}
     */
    public static StreamKey fromRtmp(String tcUrl, String app, String streamName) {
        if (isBlank(streamName)) {
            throw new InvalidStreamKeyException("empty stream name");
        }
        checkNoControl("stream name", streamName);
        String host = null;
        String tcPath = "";
        String tcQuery = null;
        if (!isBlank(tcUrl)) {
            checkNoControl("tcUrl", tcUrl);
            String rest = tcUrl.trim();
            int scheme = rest.indexOf("://");
            if (scheme >= 0) {
                rest = rest.substring(scheme + 3);
            }
            int q = rest.indexOf('?');
            if (q >= 0) {
                tcQuery = rest.substring(q + 1);
                rest = rest.substring(0, q);
            }
            int slash = rest.indexOf('/');
            String authority = slash >= 0 ? rest.substring(0, slash) : rest;
            tcPath = slash >= 0 ? rest.substring(slash) : "";
            int at = authority.lastIndexOf('@');
            host = hostOf(at >= 0 ? authority.substring(at + 1) : authority);
        }
        if (tcPath.replace("/", "").isEmpty() && !isBlank(app)) {
            int q = app.indexOf('?');
            if (q >= 0) {
                tcQuery = tcQuery == null ? app.substring(q + 1) : tcQuery + "&" + app.substring(q + 1);
            }
            tcPath = "/" + (q >= 0 ? app.substring(0, q) : app);
        }
        String name = streamName;
        String streamQuery = null;
        int q = name.indexOf('?');
        if (q >= 0) {
            streamQuery = name.substring(q + 1);
            name = name.substring(0, q);
        }
        String[] lastTwo = lastTwoSegments(tcPath + "/" + name);
        Map<String, String> streamParams = QueryString.parse(streamQuery);
        Map<String, String> tcParams = QueryString.parse(tcQuery);
        String vhost = firstNonBlank(streamParams.get("vhost"), tcParams.get("vhost"),
                streamParams.get("domain"), tcParams.get("domain"));
        if (vhost == null || vhost.equals(DEFAULT_VHOST)) {
            vhost = vhostOfHost(host);
        }
        return of(vhost, lastTwo[0], lastTwo[1]);
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (!isBlank(v)) {
                return v;
            }
        }
        return null;
    }

    /** The vhost, {@link #DEFAULT_VHOST} when the request named none. */
    public String vhost() {
        return vhost;
    }

    /** The application name. */
    public String app() {
        return app;
    }

    /** The stream name. */
    public String stream() {
        return stream;
    }

    /** {@code true} when the vhost is the default one. */
    public boolean isDefaultVhost() {
        return DEFAULT_VHOST.equals(vhost);
    }

    /** The canonical text {@code vhost/app/stream}. */
    @Override
    public String toString() {
        return canonical;
    }

    /** Parses the canonical text written by {@link #toString()}. */
    public static StreamKey parse(String canonical) {
        if (canonical == null) {
            throw new InvalidStreamKeyException("empty stream key");
        }
        int a = canonical.indexOf('/');
        int b = canonical.lastIndexOf('/');
        if (a <= 0 || b <= a) {
            throw new InvalidStreamKeyException("stream key is not vhost/app/stream");
        }
        return of(canonical.substring(0, a), canonical.substring(a + 1, b), canonical.substring(b + 1));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamKey && ((StreamKey) o).canonical.equals(canonical);
    }

    @Override
    public int hashCode() {
        return canonical.hashCode();
    }

    // ---- parsing rules ----------------------------------------------------------------------

    private static String[] lastTwoSegments(String path) {
        String p = path;
        int end = p.length();
        while (end > 0 && p.charAt(end - 1) == '/') {
            end--;
        }
        int slash = p.lastIndexOf('/', end - 1);
        String stream = p.substring(slash + 1, end);
        String app = "";
        if (slash > 0) {
            int appEnd = slash;
            while (appEnd > 0 && p.charAt(appEnd - 1) == '/') {
                appEnd--;
            }
            int appStart = p.lastIndexOf('/', appEnd - 1) + 1;
            app = p.substring(appStart, appEnd);
        }
        // A traversal segment anywhere in the path is refused, not silently dropped.
        for (String seg : p.split("/", -1)) {
            if (seg.equals("..")) {
                throw new InvalidStreamKeyException("path traversal in stream path");
            }
        }
        return new String[] {app, stream};
    }

    private static String stripExtension(String stream) {
        int dot = stream.lastIndexOf('.');
        if (dot > 0 && dot < stream.length() - 1) {
            String ext = stream.substring(dot + 1).toLowerCase(Locale.ROOT);
            switch (ext) {
                case "flv": case "m3u8": case "ts": case "mp4": case "aac": case "mp3": case "sdp":
                    return stream.substring(0, dot);
                default:
                    return stream;
            }
        }
        return stream;
    }

    /** The host part of a {@code Host} header or {@code h=} value, without port or brackets. */
    private static String hostOf(String host) {
        if (isBlank(host)) {
            return null;
        }
        String h = host.trim();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close > 0 ? h.substring(1, close) : h.substring(1);
        }
        int colon = h.indexOf(':');
        if (colon >= 0 && colon == h.lastIndexOf(':')) {
            return h.substring(0, colon);
        }
        return h; // a bare IPv6 literal, or a name without port
    }

    /**
     * The host of a {@code Host} header that names a port, else null: SRS takes a request's vhost
     * from its Host only in the {@code name:port} form.
     */
    private static String hostWithPort(String hostHeader) {
        if (isBlank(hostHeader)) {
            return null;
        }
        String h = hostHeader.trim();
        int colon = h.lastIndexOf(':');
        if (colon < 0 || colon < h.lastIndexOf(']')) {
            return null;
        }
        return hostOf(h);
    }

    private static String vhostOfHost(String host) {
        if (isBlank(host) || isIpLiteral(host) || host.indexOf('.') < 0) {
            return DEFAULT_VHOST;
        }
        return host.toLowerCase(Locale.ROOT);
    }

    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true; // only IPv6 literals carry a colon once the port is gone
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3) {
                return false;
            }
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) < '0' || part.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private static void checkPart(String what, String value) {
        if (isBlank(value)) {
            throw new InvalidStreamKeyException("empty " + what);
        }
        if (value.equals(".") || value.equals("..")) {
            throw new InvalidStreamKeyException("path traversal in " + what);
        }
        checkNoControl(what, value);
        if (value.indexOf('/') >= 0 || value.indexOf('\\') >= 0) {
            throw new InvalidStreamKeyException(what + " must not contain a slash");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new InvalidStreamKeyException(what + " longer than " + MAX_BYTES + " bytes");
        }
    }

    private static void checkNoControl(String what, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidStreamKeyException("control character in " + what);
            }
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
