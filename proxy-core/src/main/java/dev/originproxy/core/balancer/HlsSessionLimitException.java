package dev.originproxy.core.balancer;

/**
 * Thrown by {@link HlsSessionStore#create} when the store already holds its bound of live HLS
 * sessions ({@code hls.sessions.max}); the viewer gets a 503 and nothing is stored.
 */
public final class HlsSessionLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the bound */
    public HlsSessionLimitException(String message) {
        super(message, null, false, false);
    }
}
