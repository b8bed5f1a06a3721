package dev.originproxy.core.loop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one way routers and engines run blocking or host-supplied work (balancer and session-store
 * calls, lifecycle {@code onStart}, host-name resolution) off an event loop and resume on it.
 *
 * <p>An event loop calls {@link #submit submit(loop, work, completion)}: {@code work} runs on one
 * of this helper's threads, then {@code completion} runs <em>on {@code loop}'s thread</em> with
 * the value or the failure, so it may touch the loop's confined state without locks.
 *
 * <p><b>Contract.</b>
 * <ul>
 *   <li><b>Bounded.</b> At most {@link Builder#threads} tasks run at once and at most
 *       {@link Builder#maxQueued} wait; a task beyond that is refused, counted
 *       ({@link OffLoopStats#rejected()}), and its completion receives a
 *       {@link RejectedExecutionException}.</li>
 *   <li><b>Cancellable.</b> {@link OffLoopTask#cancel()} (typically by the loop, when a newer
 *       request supersedes the task) removes a waiting task from the queue; a running one is let
 *       finish (blocking clients do not take interruption well) but its result is discarded.
 *       After a successful cancel the completion never runs.</li>
 *   <li><b>Resumes on the owner.</b> The completion runs on the loop through
 *       {@link EventLoop#submit}, never inside {@code submit} itself, exactly once unless
 *       cancelled.</li>
 *   <li><b>Failures delivered, not lost.</b> An exception of {@code work} (or an error), a
 *       refusal, and {@link #close()} reach the completion as its {@code failure}. When the
 *       loop closed or died before delivery, the work is skipped if it had not started and the
 *       completion runs on the helper thread with an {@link EventLoopGoneException}, so shared
 *       state (maps, counters, sockets) is released instead of leaking.</li>
 * </ul>
 *
 * <p>Threading: thread-safe; {@link #submit} never blocks. Build one per router, or share one
 * between several (the gateway does), and {@link #close()} it after the loops it serves.
 */
public final class OffLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OffLoop.class);

    private final String name;
    private final int maxQueued;
    private final ThreadPoolExecutor pool;
    final AtomicLong submitted = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong cancelled = new AtomicLong();
    final AtomicLong loopGone = new AtomicLong();
    final AtomicInteger running = new AtomicInteger();

    private OffLoop(Builder b) {
        this.name = b.name;
        this.maxQueued = b.maxQueued;
        this.pool = new ThreadPoolExecutor(b.threads, b.threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(b.maxQueued), DaemonThreads.named(b.name));
    }

    /** A builder with defaults: 2 threads, 1,024 waiting tasks, threads named {@code off-loop-N}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * What runs on the loop once the work finished: exactly one of {@code value} and
     * {@code failure} is meaningful ({@code failure} is null on success; {@code value} may be
     * null when the work returned null).
     *
     * @param <T> the work's result type
     */
    @FunctionalInterface
    public interface Completion<T> {
        /** Called on the loop's thread (or, with {@link EventLoopGoneException}, on a helper thread). */
        void complete(T value, Throwable failure);
    }

    /**
     * Runs {@code work} off the loop, then {@code completion} on {@code loop}. Never blocks and
     * never calls {@code completion} before returning.
     *
     * @return the task's handle, to cancel it when superseded
     */
    public <T> OffLoopTask<T> submit(EventLoop loop, Callable<? extends T> work, Completion<? super T> completion) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(work, "work");
        Objects.requireNonNull(completion, "completion");
        OffLoopTask<T> task = new OffLoopTask<>(this, loop, work, completion);
        try {
            pool.execute(task.job);
            submitted.incrementAndGet();
        } catch (RejectedExecutionException e) {
            rejected.incrementAndGet();
            task.refuse(new RejectedExecutionException(pool.isShutdown()
                    ? name + " is closed" : name + " queue is full (" + maxQueued + " waiting)"));
        }
        return task;
    }

    /** The most tasks that may wait for a thread. */
    public int maxQueued() {
        return maxQueued;
    }

    /** A snapshot of the counters. */
    public OffLoopStats stats() {
        return new OffLoopStats(submitted.get(), rejected.get(), completed.get(), failed.get(), cancelled.get(),
                loopGone.get(), pool.getQueue().size(), running.get());
    }

    void dequeue(OffLoopTask<?> task) {
        pool.remove(task.job);
    }

    static void logCompletionFailure(Throwable e) {
        LOG.warn("an off-loop completion failed after its loop was gone", e);
    }

    /**
     * Stops: waiting tasks are refused (their completions receive a
     * {@link RejectedExecutionException}), running ones are interrupted and deliver what they
     * get; waits up to 5 s for the threads. Idempotent.
     */
    @Override
    public void close() {
        List<Runnable> waiting = pool.shutdownNow();
        for (Runnable r : waiting) {
            ((OffLoopTask<?>.Job) r).task().refuse(new RejectedExecutionException(name + " is closed"));
        }
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("{}: helper threads still busy after close", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Configures an {@link OffLoop}; not thread-safe. */
    public static final class Builder {
        private String name = "off-loop";
        private int threads = 2;
        private int maxQueued = 1_024;

        private Builder() {
        }

        /** Name of threads and log lines; default {@code off-loop}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Helper threads (how many blocking calls run at once); default 2. */
        public Builder threads(int count) {
            if (count <= 0) {
                throw new IllegalArgumentException("threads must be positive");
            }
            this.threads = count;
            return this;
        }

        /** Tasks that may wait for a thread before new ones are refused; default 1,024. */
        public Builder maxQueued(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxQueued must be positive");
            }
            this.maxQueued = max;
            return this;
        }

        /** The helper, with its threads started lazily. */
        public OffLoop build() {
            return new OffLoop(this);
        }
    }
}
