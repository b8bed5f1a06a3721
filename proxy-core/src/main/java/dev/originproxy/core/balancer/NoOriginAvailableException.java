package dev.originproxy.core.balancer;

/** No live origin can take a stream (and no default backend is configured): a 503 for clients. */
public final class NoOriginAvailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param reason one-line reason */
    public NoOriginAvailableException(String reason) {
        super(reason);
    }
}
