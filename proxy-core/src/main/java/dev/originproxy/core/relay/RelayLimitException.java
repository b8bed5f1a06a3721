package dev.originproxy.core.relay;

import java.io.IOException;

/** {@link RelayWorker#openLeg} refused: the engine's maximum of legs is reached. */
public final class RelayLimitException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message one-line reason */
    public RelayLimitException(String message) {
        super(message);
    }
}
