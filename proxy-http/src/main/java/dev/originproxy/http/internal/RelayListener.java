package dev.originproxy.http.internal;

/**
 * Hears how one {@link HttpExchange#relay} went, for sessions and counters. Called on the event
 * loop: quick, no blocking (hand host callbacks to {@link HttpExchange#offLoop} or an executor).
 */
public interface RelayListener {
    /** The origin answered with {@code status}; its head is on its way to the client. */
    default void onOriginResponse(int status) {
    }

    /**
     * The relay ended, exactly once.
     *
     * @param outcome why
     * @param bytesToClient body and head bytes written to the client
     */
    default void onEnd(RelayOutcome outcome, long bytesToClient) {
    }

    /** A listener that hears nothing. */
    RelayListener NONE = new RelayListener() {
    };
}
