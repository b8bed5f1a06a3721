package dev.originproxy.core.loop;

/**
 * A single-threaded event loop (a selector thread) that accepts tasks to run on its own thread:
 * what {@link OffLoop} resumes on. The UDP relay's {@code RelayWorker} is one; a TCP engine's
 * worker is another.
 *
 * <p>Threading: every method may be called from any thread. Tasks accepted by {@link #submit}
 * run on the loop's thread, in submission order, each exactly once, unless the loop dies first;
 * a loop that is closing runs the tasks it accepted before its thread ends.
 */
public interface EventLoop {
    /**
     * Queues {@code task} to run on this loop's thread (wakes the loop when it waits for I/O).
     *
     * @return true when the task will run; false when the loop no longer runs (closed or died):
     *     the task will never run and the caller keeps the responsibility for what it held
     */
    boolean submit(Runnable task);

    /** Whether the calling thread is this loop's thread. */
    boolean inEventLoop();

    /** Whether the loop still runs tasks (false once closed or died). */
    boolean isAlive();
}
