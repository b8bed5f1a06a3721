package dev.originproxy.http.internal;

import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;

/**
 * The stream a playback request names, exactly as the SRS proxy derives it and with the core
 * parser every protocol shares ({@link StreamKey#fromHttpRequest}): {@code ?app=&stream=} when
 * both are given, otherwise the last two path segments with the media extension removed, the
 * vhost from {@code ?vhost=}, else from a {@code Host: name:port} header (a bare name, an IP or a
 * name without a dot is the default vhost). So {@code /live/livestream.flv},
 * {@code .ts} and {@code .m3u8} name the stream RTMP, SRT and WHIP call {@code live/livestream}
 * and all meet on one origin.
 *
 * <p>The path is checked by {@link RequestPaths} first, so an encoded traversal such as
 * {@code /%2e%2e/x.flv} is refused rather than passed to the origin. Stateless and thread-safe.
 */
public final class StreamRequests {
    private StreamRequests() {
    }

    /**
     * The stream key of {@code request}.
     *
     * @throws InvalidStreamKeyException with a one-line reason (answered 400)
     */
    public static StreamKey keyOf(HttpRequest request) {
        String decodedPath;
        try {
            decodedPath = RequestPaths.decode(request.path());
        } catch (RequestPaths.BadPathException e) {
            throw new InvalidStreamKeyException(e.getMessage());
        }
        return StreamKey.fromHttpRequest(request.host(), decodedPath, request.query());
    }
}
