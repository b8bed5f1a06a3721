package dev.originproxy.core.loop;

/**
 * The failure an {@link OffLoop} completion receives when the event loop that asked for the
 * work closed or died before the result could be delivered on it. The completion then runs on
 * the thread that finished the work (the loop's thread no longer exists): it should release
 * only shared resources (maps, counters, sockets), since the loop's confined state is gone.
 */
public final class EventLoopGoneException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** A failure naming the loop that is gone. */
    public EventLoopGoneException(String message) {
        super(message);
    }
}
