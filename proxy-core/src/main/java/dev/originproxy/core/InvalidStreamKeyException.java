package dev.originproxy.core;

/**
 * Thrown when a request, URL or stream id does not name a valid stream: empty app or stream,
 * a path traversal segment, control characters, or a key longer than {@link StreamKey#MAX_BYTES}.
 * The message is one line, fit to be returned to a client as the reason of a 400.
 */
public final class InvalidStreamKeyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param reason a one-line reason, shown to clients */
    public InvalidStreamKeyException(String reason) {
        super(reason);
    }
}
