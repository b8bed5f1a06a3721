package dev.originproxy.http.internal.hls;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Rewrites an HLS playlist (RFC 8216 and its LL-HLS second edition draft) so that every URI a
 * player will request through the proxy carries the viewer's session id as one more query
 * parameter ({@code spbhid=<id>}, the SRS Go proxy's name), and no URI names the origin.
 *
 * <pre>
 *   #EXTM3U                                      #EXTM3U
 *   #EXT-X-MAP:URI="init.mp4"                    #EXT-X-MAP:URI="init.mp4?spbhid=ID"
 *   #EXTINF:1.0,                          --&gt;    #EXTINF:1.0,
 *   livestream-7.ts?hls_ctx=C                    livestream-7.ts?hls_ctx=C&amp;spbhid=ID
 *   http://10.0.0.5:8080/live/x.m3u8              /live/x.m3u8?spbhid=ID
 * </pre>
 *
 * <p>What is rewritten: every URI line (media segments of a media playlist, variant streams of a
 * master playlist) and the quoted {@code URI} attribute of {@code EXT-X-MAP}, {@code EXT-X-KEY},
 * {@code EXT-X-SESSION-KEY}, {@code EXT-X-MEDIA}, {@code EXT-X-I-FRAME-STREAM-INF},
 * {@code EXT-X-IMAGE-STREAM-INF}, {@code EXT-X-SESSION-DATA}, and the LL-HLS tags
 * {@code EXT-X-PART}, {@code EXT-X-PRELOAD-HINT} and {@code EXT-X-RENDITION-REPORT}. Existing
 * queries are kept byte for byte (SRS 7 needs its {@code hls_ctx} back) and the parameter goes
 * before a fragment. Relative URIs stay relative (the player resolves them against the proxy's
 * playlist URL, whose path is the origin's). An absolute {@code http(s)} or scheme-relative URI
 * whose host is one of the {@linkplain #rewrite origin hosts} becomes proxy-relative (path and
 * query only), so origin addresses never reach the viewer. Other absolute URIs (a CDN, a key
 * server, {@code skd:}, {@code data:}) are left alone and get no session id: the proxy does not
 * serve them. Line endings (LF or CRLF) are kept.
 *
 * <p>Allocation: the output goes to an internal buffer that grows by doubling and is reused by
 * the next {@link #rewrite}; a warmed-up rewriter allocates nothing per playlist.
 *
 * <p>Not thread-safe: one instance per thread (or per request).
 */
public final class PlaylistRewriter {
    /** The query parameter carrying the session id. */
    public static final String SESSION_PARAM = "spbhid";

    /** Why a playlist was not rewritten. */
    public enum Failure {
        /** The body does not start with {@code #EXTM3U} (RFC 8216 §4.3.1.1). */
        NOT_A_PLAYLIST,
        /** A tag's quoted {@code URI} attribute has no closing quote. */
        UNTERMINATED_QUOTE,
        /** The session id is not the expected printable token. */
        BAD_SESSION_ID
    }

    private static final byte[] EXTM3U = ascii("#EXTM3U");
    private static final byte[] STREAM_INF = ascii("#EXT-X-STREAM-INF:");
    /** What every tag in {@link #URI_TAGS} starts with: one compare skips {@code #EXTINF} and the like. */
    private static final byte[] EXT_X = ascii("#EXT-X-");
    private static final byte[] PARAM = ascii(SESSION_PARAM + "=");
    private static final byte[] URI_ATTRIBUTE = ascii("URI");
    /** Tags with a quoted URI attribute the player requests (prefix includes the colon). */
    private static final byte[][] URI_TAGS = {
        ascii("#EXT-X-MAP:"), ascii("#EXT-X-KEY:"), ascii("#EXT-X-SESSION-KEY:"), ascii("#EXT-X-MEDIA:"),
        ascii("#EXT-X-PART:"), ascii("#EXT-X-PRELOAD-HINT:"), ascii("#EXT-X-RENDITION-REPORT:"),
        ascii("#EXT-X-I-FRAME-STREAM-INF:"), ascii("#EXT-X-IMAGE-STREAM-INF:"), ascii("#EXT-X-SESSION-DATA:"),
    };
    private static final int MAX_ID = 64;

    private final Map<Failure, Long> failures = new EnumMap<>(Failure.class);
    private final byte[] id = new byte[MAX_ID];
    private int idLength;
    private byte[][] originHosts = new byte[0][];
    private byte[] out = new byte[4096];
    private int outLength;
    private int urisRewritten;
    private int urisForeign;
    private Failure failure;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Rewrites {@code playlist[offset, offset+length)}.
     *
     * @param sessionId the id to add (printable ASCII without {@code & # ? space}, at most 64)
     * @param originHosts the hosts (IP literals or names, IPv6 without brackets, ASCII) whose
     *        absolute URIs become proxy-relative; compared case-insensitively
     * @return true when rewritten ({@link #output()}); false with {@link #failure()} saying why
     */
    public boolean rewrite(byte[] playlist, int offset, int length, CharSequence sessionId, byte[][] originHosts) {
        outLength = 0;
        urisRewritten = 0;
        urisForeign = 0;
        failure = null;
        this.originHosts = originHosts;
        if (!setId(sessionId)) {
            return fail(Failure.BAD_SESSION_ID);
        }
        int end = offset + length;
        int p = skipBom(playlist, offset, end);
        if (!startsWith(playlist, p, end, EXTM3U)) {
            return fail(Failure.NOT_A_PLAYLIST);
        }
        copy(playlist, offset, p);
        while (p < end) {
            int eol = indexOf(playlist, p, end, (byte) '\n');
            int lineEnd = eol;
            if (lineEnd > p && playlist[lineEnd - 1] == '\r') {
                lineEnd--;
            }
            if (!line(playlist, p, lineEnd)) {
                return false;
            }
            int next = eol < end ? eol + 1 : end;
            copy(playlist, lineEnd, next);
            p = next;
        }
        return true;
    }

    /**
     * Whether {@code playlist[offset, offset+length)} is a master playlist (RFC 8216 §4.3.4: it
     * lists variant streams with {@code EXT-X-STREAM-INF}); otherwise it is a media playlist.
     */
    public static boolean isMasterPlaylist(byte[] playlist, int offset, int length) {
        int end = offset + length;
        int p = offset;
        while (p < end) {
            if (startsWith(playlist, p, end, STREAM_INF)) {
                return true;
            }
            int eol = indexOf(playlist, p, end, (byte) '\n');
            p = eol + 1;
        }
        return false;
    }

    private boolean fail(Failure f) {
        failure = f;
        failures.merge(f, 1L, Long::sum);
        outLength = 0;
        return false;
    }

    private boolean setId(CharSequence s) {
        if (s == null || s.length() == 0 || s.length() > MAX_ID) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '&' || c == '#' || c == '?' || c == '"' || c == '%') {
                return false;
            }
            id[i] = (byte) c;
        }
        idLength = s.length();
        return true;
    }

    private static int skipBom(byte[] b, int p, int end) {
        if (end - p >= 3 && (b[p] & 0xff) == 0xEF && (b[p + 1] & 0xff) == 0xBB && (b[p + 2] & 0xff) == 0xBF) {
            return p + 3;
        }
        return p;
    }

    /** One line without its end of line. */
    private boolean line(byte[] b, int start, int end) {
        if (start == end) {
            return true;
        }
        if (b[start] != '#') {
            // A URI line; trailing blanks are not part of the URI.
            int uriEnd = end;
            while (uriEnd > start && (b[uriEnd - 1] == ' ' || b[uriEnd - 1] == '\t')) {
                uriEnd--;
            }
            int uriStart = start;
            while (uriStart < uriEnd && (b[uriStart] == ' ' || b[uriStart] == '\t')) {
                uriStart++;
            }
            copy(b, start, uriStart);
            uri(b, uriStart, uriEnd);
            copy(b, uriEnd, end);
            return true;
        }
        if (startsWith(b, start, end, EXT_X)) {
            for (byte[] tag : URI_TAGS) {
                if (startsWith(b, start, end, tag)) {
                    return uriAttribute(b, start, start + tag.length, end);
                }
            }
        }
        copy(b, start, end);
        return true;
    }

    /**
     * Finds the quoted URI attribute in an attribute list (RFC 8216 §4.2): NAME=VALUE pairs
     * separated by commas, where a quoted-string value may itself contain commas.
     */
    private boolean uriAttribute(byte[] b, int lineStart, int listStart, int end) {
        int p = listStart;
        while (p < end) {
            int nameStart = p;
            int eq = nameStart;
            while (eq < end && b[eq] != '=' && b[eq] != ',') {
                eq++;
            }
            if (eq >= end || b[eq] == ',') {
                p = eq + 1; // an attribute without a value (not valid, but not ours to fix)
                continue;
            }
            int valueStart = eq + 1;
            int valueEnd;
            int next;
            if (valueStart < end && b[valueStart] == '"') {
                int close = indexOf(b, valueStart + 1, end, (byte) '"');
                if (close >= end) {
                    return fail(Failure.UNTERMINATED_QUOTE);
                }
                if (regionEquals(b, trimStart(b, nameStart, eq), eq, URI_ATTRIBUTE)) {
                    copy(b, lineStart, valueStart + 1);
                    uri(b, valueStart + 1, close);
                    copy(b, close, end);
                    return true;
                }
                valueEnd = close + 1;
            } else {
                valueEnd = valueStart;
                while (valueEnd < end && b[valueEnd] != ',') {
                    valueEnd++;
                }
            }
            next = indexOf(b, valueEnd, end, (byte) ',');
            p = next + 1;
        }
        copy(b, lineStart, end); // no URI attribute (EXT-X-KEY:METHOD=NONE)
        return true;
    }

    private static int trimStart(byte[] b, int p, int end) {
        while (p < end && b[p] == ' ') {
            p++;
        }
        return p;
    }

    /** Emits the rewritten form of the URI {@code b[start, end)}. */
    private void uri(byte[] b, int start, int end) {
        if (start == end) {
            return;
        }
        int p = start;
        while (p < end && b[p] != ':' && b[p] != '/' && b[p] != '?' && b[p] != '#') {
            p++;
        }
        int authority;
        if (p < end && b[p] == ':' && p > start) {
            // An absolute URI: only http(s) to the origin is ours.
            boolean http = regionEqualsIgnoreCase(b, start, p, "http") || regionEqualsIgnoreCase(b, start, p, "https");
            if (!http || end - p < 3 || b[p + 1] != '/' || b[p + 2] != '/') {
                foreign(b, start, end);
                return;
            }
            authority = p + 3;
        } else if (end - start >= 2 && b[start] == '/' && b[start + 1] == '/') {
            authority = start + 2;
        } else {
            withParam(b, start, end);
            return;
        }
        int authorityEnd = authority;
        while (authorityEnd < end && b[authorityEnd] != '/' && b[authorityEnd] != '?' && b[authorityEnd] != '#') {
            authorityEnd++;
        }
        if (!isOriginHost(b, authority, authorityEnd)) {
            foreign(b, start, end);
            return;
        }
        if (authorityEnd == end || b[authorityEnd] != '/') {
            put((byte) '/');
        }
        withParam(b, authorityEnd, end);
    }

    private void foreign(byte[] b, int start, int end) {
        urisForeign++;
        copy(b, start, end);
    }

    /** Whether the authority's host (no userinfo, no port, no brackets) is an origin host. */
    private boolean isOriginHost(byte[] b, int start, int end) {
        int at = lastIndexOf(b, start, end, (byte) '@');
        int host = at < 0 ? start : at + 1;
        int hostEnd;
        if (host < end && b[host] == '[') {
            int close = indexOf(b, host, end, (byte) ']');
            if (close >= end) {
                return false;
            }
            host++;
            hostEnd = close;
        } else {
            int colon = lastIndexOf(b, host, end, (byte) ':');
            hostEnd = colon < 0 ? end : colon;
        }
        for (byte[] origin : originHosts) {
            if (origin != null && regionEqualsIgnoreCase(b, host, hostEnd, origin)) {
                return true;
            }
        }
        return false;
    }

    /** Copies {@code b[start, end)} with the session parameter added to its query. */
    private void withParam(byte[] b, int start, int end) {
        int hash = indexOf(b, start, end, (byte) '#');
        int question = indexOf(b, start, hash, (byte) '?');
        copy(b, start, hash);
        if (question >= hash) {
            put((byte) '?');
        } else if (hash - 1 > question && b[hash - 1] != '&') {
            put((byte) '&');
        }
        copy(PARAM, 0, PARAM.length);
        copy(id, 0, idLength);
        copy(b, hash, end);
        urisRewritten++;
    }

    private static int indexOf(byte[] b, int from, int end, byte c) {
        for (int i = from; i < end; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return end;
    }

    private static int lastIndexOf(byte[] b, int from, int end, byte c) {
        for (int i = end - 1; i >= from; i--) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] b, int p, int end, byte[] prefix) {
        return end - p >= prefix.length && Arrays.equals(b, p, p + prefix.length, prefix, 0, prefix.length);
    }

    private static boolean regionEquals(byte[] b, int start, int end, byte[] s) {
        return end - start == s.length && Arrays.equals(b, start, end, s, 0, s.length);
    }

    private static boolean regionEqualsIgnoreCase(byte[] b, int start, int end, String s) {
        if (end - start != s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (lower(b[start + i]) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean regionEqualsIgnoreCase(byte[] b, int start, int end, byte[] s) {
        if (end - start != s.length) {
            return false;
        }
        for (int i = 0; i < s.length; i++) {
            if (lower(b[start + i]) != lower(s[i])) {
                return false;
            }
        }
        return true;
    }

    private static int lower(byte c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private void copy(byte[] b, int start, int end) {
        int n = end - start;
        if (n <= 0) {
            return;
        }
        ensure(n);
        System.arraycopy(b, start, out, outLength, n);
        outLength += n;
    }

    private void put(byte c) {
        ensure(1);
        out[outLength++] = c;
    }

    private void ensure(int n) {
        if (outLength + n > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, outLength + n));
        }
    }

    /** The rewritten playlist: bytes {@code [0, outputLength())}, valid until the next rewrite. */
    public byte[] output() {
        return out;
    }

    /** The length of {@link #output()}. */
    public int outputLength() {
        return outLength;
    }

    /** A copy of the output (for a response body). */
    public byte[] outputCopy() {
        return Arrays.copyOf(out, outLength);
    }

    /** URIs that got the session id in the last rewrite. */
    public int urisRewritten() {
        return urisRewritten;
    }

    /** Absolute URIs to other hosts left unchanged in the last rewrite. */
    public int urisForeign() {
        return urisForeign;
    }

    /** Why the last rewrite failed, or null. */
    public Failure failure() {
        return failure;
    }

    /** Failures of this instance so far, by reason. */
    public long failures(Failure reason) {
        return failures.getOrDefault(reason, 0L);
    }
}
