package dev.originproxy.http.internal.hls;

/**
 * The session id parameter in a request's query ({@value PlaylistRewriter#SESSION_PARAM}): finds
 * it, and takes it out of the target sent to the origin while keeping every other parameter byte
 * for byte (tokens, SRS 7's {@code hls_ctx}, LL-HLS {@code _HLS_msn}/{@code _HLS_part}/
 * {@code _HLS_skip}) in its order.
 *
 * <p>Stateless and thread-safe.
 */
public final class SessionQuery {
    private static final String NAME = PlaylistRewriter.SESSION_PARAM;

    private SessionQuery() {
    }

    /** The first session id value in {@code query} (raw, without {@code ?}), or null. */
    public static String sessionId(String query) {
        if (query == null) {
            return null;
        }
        int p = 0;
        int n = query.length();
        while (p <= n) {
            int amp = query.indexOf('&', p);
            int end = amp < 0 ? n : amp;
            if (isSessionParam(query, p, end)) {
                return query.substring(p + NAME.length() + 1, end);
            }
            if (amp < 0) {
                return null;
            }
            p = amp + 1;
        }
        return null;
    }

    private static boolean isSessionParam(String q, int start, int end) {
        return end - start > NAME.length() && q.startsWith(NAME, start) && q.charAt(start + NAME.length()) == '=';
    }

    /** {@code path?query} without any session id parameter; no {@code ?} when nothing is left. */
    public static String originTarget(String path, String query) {
        if (query == null) {
            return path;
        }
        StringBuilder b = new StringBuilder(path.length() + query.length() + 1).append(path);
        boolean first = true;
        int p = 0;
        int n = query.length();
        while (p <= n) {
            int amp = query.indexOf('&', p);
            int end = amp < 0 ? n : amp;
            if (!isSessionParam(query, p, end) && !(end == p && amp >= 0)) {
                b.append(first ? '?' : '&').append(query, p, end);
                first = false;
            }
            if (amp < 0) {
                break;
            }
            p = amp + 1;
        }
        return b.toString();
    }
}
