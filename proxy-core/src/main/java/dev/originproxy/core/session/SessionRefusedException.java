package dev.originproxy.core.session;

/**
 * Thrown by {@link SessionListener#onStart} to refuse a session (for example a second publisher
 * of a stream that already has one). The message is a one-line reason, shown to the client
 * (WHIP 409, SRT rejection).
 */
public final class SessionRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param reason one-line reason */
    public SessionRefusedException(String reason) {
        super(reason);
    }
}
