package dev.originproxy.srt.router;

/**
 * Where one SRT session of the {@link SrtRouter} stands in the caller-listener handshake
 * ({@code draft-sharabayko-srt} §4.3.1) the router replays to the origin. Immutable, thread-safe.
 */
public enum SrtSessionState {
    /** The caller's CONCLUSION verified; the origin is being picked (off the event loop, with the lifecycle's {@code onStart}). */
    PLACING,
    /** The proxy sent its INDUCTION to the origin and waits for the origin's cookie (§4.3.1.1). */
    ORIGIN_INDUCTION,
    /** The proxy replayed the caller's CONCLUSION to the origin and waits for its answer (§4.3.1.2). */
    ORIGIN_CONCLUSION,
    /** The origin accepted; packets are relayed both ways. */
    ESTABLISHED
}
