package dev.originproxy.core.balancer;

/**
 * The balancer's backing store (for example Redis) cannot be reached or answered too slowly:
 * new registrations and placements fail fast with this (a 503 for clients), while established
 * relays keep flowing from the routers' own memory.
 */
public final class BalancerUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param reason one-line reason */
    public BalancerUnavailableException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
