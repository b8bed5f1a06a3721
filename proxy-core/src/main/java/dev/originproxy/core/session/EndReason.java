package dev.originproxy.core.session;

/** Why a session ended; reported once per session to {@link SessionListener#onEnd}. */
public enum EndReason {
    /** The client ended it (WHIP/WHEP DELETE, SRT SHUTDOWN from the caller). */
    CLIENT_CLOSED,
    /** The origin ended it (SRT SHUTDOWN from the origin, origin DELETE). */
    ORIGIN_CLOSED,
    /** No packet either way within the idle timeout. */
    IDLE_TIMEOUT,
    /** The origin expired from the registry or could not be reached. */
    ORIGIN_GONE,
    /** The origin rejected the session (SRT handshake rejection, HTTP error). */
    ORIGIN_REJECTED,
    /** The handshake with the origin did not finish by its deadline. */
    HANDSHAKE_TIMEOUT,
    /** A listener refused it in {@link SessionListener#onStart} after others had accepted it. */
    REFUSED,
    /** The proxy is shutting down or the router was closed. */
    PROXY_SHUTDOWN,
    /** An unexpected error (I/O on the session's socket). */
    ERROR
}
