package dev.originproxy.rtmp.router;

/**
 * Why the RTMP router dropped a client connection before (or instead of) relaying it; counted
 * per reason in {@link RtmpRouterStats#drops()}. Sessions that ended after relaying are reported
 * through the session lifecycle instead.
 *
 * <p>Immutable, thread-safe.
 */
public enum RtmpDropReason {
    /** The first byte was not RTMP version 3 (garbage, TLS, HTTP, RTMPE). */
    BAD_HANDSHAKE,
    /** The client closed the connection in the middle of the handshake. */
    TRUNCATED_HANDSHAKE,
    /** The client connected and sent nothing before the setup deadline. */
    SILENT,
    /** The handshake did not complete before the setup deadline. */
    HANDSHAKE_TIMEOUT,
    /** The handshake completed but no {@code publish}/{@code play} came before the setup deadline. */
    SETUP_TIMEOUT,
    /** The client closed the connection after the handshake, before {@code publish}/{@code play}. */
    CLOSED_DURING_SETUP,
    /** Chunk stream or AMF the codec refused (malformed, over a limit). */
    PROTOCOL_ERROR,
    /** A command out of order or without what it needs (no {@code connect}, no stream name). */
    BAD_COMMAND,
    /** The {@code tcUrl} and stream name do not form a valid stream key. */
    BAD_STREAM_KEY,
    /** A session listener refused the session in {@code onStart}. */
    REFUSED,
    /** No origin could be placed for the stream (none live, none with RTMP, balancer down). */
    NO_ORIGIN,
    /** The origin could not be connected to (refused, timed out) or closed during its handshake. */
    ORIGIN_UNREACHABLE,
    /** The origin refused the stream ({@code _error}, {@code onStatus} with level error). */
    ORIGIN_REJECTED,
    /** The router's maximum of sessions was reached. */
    LIMIT
}
