package dev.originproxy.core.origin;

/** A heartbeat body that is not valid SRS registration JSON; the message is one line. */
public final class InvalidRegistrationException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param reason one-line reason, safe to return to the origin */
    public InvalidRegistrationException(String reason) {
        super(reason);
    }
}
