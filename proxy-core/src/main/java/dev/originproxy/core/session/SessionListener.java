package dev.originproxy.core.session;

/**
 * A host's hook into session lifecycles: authorize or count sessions as they start, account for
 * them as they end. Register any number on a {@link SessionLifecycle}.
 *
 * <p>Called from signalling threads and relay workers: implementations must be thread-safe and
 * quick (no blocking I/O on a relay worker's call to {@link #onEnd}).
 */
public interface SessionListener {
    /**
     * A session is about to start.
     *
     * @throws SessionRefusedException to refuse it, with a one-line reason for the client
     */
    default void onStart(SessionInfo session) throws SessionRefusedException {
    }

    /**
     * A started session ended. Called exactly once per session that {@link #onStart} accepted,
     * whatever ended it and however many parts of the proxy try to end it at once.
     */
    default void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
    }
}
