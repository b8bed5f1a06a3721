package dev.originproxy.core.loop;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One piece of work given to an {@link OffLoop}: a handle to cancel it when a newer request
 * supersedes it. Once cancelled (or done) it holds no reference to the work, its inputs or its
 * result, so a superseded task frees what it captured at once.
 *
 * <p>Threading: {@link #cancel()} and the queries may be called from any thread; cancelling on
 * the owning loop's thread guarantees that the completion has either already run or never will.
 *
 * @param <T> the work's result type
 */
public final class OffLoopTask<T> {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DELIVERING = 2;
    private static final int DONE = 3;
    private static final int CANCELLED = 4;

    private final OffLoop owner;
    private final EventLoop loop;
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private volatile Callable<? extends T> work;
    private volatile OffLoop.Completion<? super T> completion;
    private T value;
    private Throwable failure;
    /** What the pool runs; not the task itself, so {@code run} is no part of the public API. */
    final Runnable job = new Job();

    OffLoopTask(OffLoop owner, EventLoop loop, Callable<? extends T> work, OffLoop.Completion<? super T> completion) {
        this.owner = owner;
        this.loop = loop;
        this.work = work;
        this.completion = completion;
    }

    /**
     * Cancels the task: its work is skipped if it has not started, its result discarded
     * otherwise; the completion will not run.
     *
     * @return true when this call cancelled it; false when it was already done or cancelled
     */
    public boolean cancel() {
        while (true) {
            int s = state.get();
            if (s == DONE || s == CANCELLED) {
                return false;
            }
            if (state.compareAndSet(s, CANCELLED)) {
                if (s == QUEUED) {
                    owner.dequeue(this);
                }
                owner.cancelled.incrementAndGet();
                release();
                return true;
            }
        }
    }

    /** Whether {@link #cancel()} succeeded. */
    public boolean isCancelled() {
        return state.get() == CANCELLED;
    }

    /** Whether the completion ran (or was cancelled). */
    public boolean isDone() {
        int s = state.get();
        return s == DONE || s == CANCELLED;
    }

    /** The pool's view of a task. */
    final class Job implements Runnable {
        @Override
        public void run() {
            runWork();
        }

        OffLoopTask<?> task() {
            return OffLoopTask.this;
        }
    }

    /** On a helper thread: the work, then the hand-over to the loop. */
    private void runWork() {
        Callable<? extends T> w = work;
        if (w == null || !state.compareAndSet(QUEUED, RUNNING)) {
            return; // cancelled while waiting
        }
        if (!loop.isAlive()) {
            handOver(null, new EventLoopGoneException("the event loop closed before the work started"));
            return;
        }
        owner.running.incrementAndGet();
        T v = null;
        Throwable f = null;
        try {
            v = w.call();
        } catch (Throwable e) { // delivered, never lost on a pool thread
            f = e;
        } finally {
            owner.running.decrementAndGet();
        }
        if (f != null) {
            owner.failed.incrementAndGet();
        }
        handOver(v, f);
    }

    /** Refused before running (queue full, helper closed): the failure goes to the loop. */
    void refuse(Throwable why) {
        if (state.compareAndSet(QUEUED, RUNNING)) {
            handOver(null, why);
        }
    }

    private void handOver(T v, Throwable f) {
        value = v;
        failure = f;
        if (!state.compareAndSet(RUNNING, DELIVERING)) {
            release(); // cancelled while running: the result is discarded
            return;
        }
        if (!loop.submit(this::resume)) {
            OffLoop.Completion<? super T> c = completion;
            if (c != null && state.compareAndSet(DELIVERING, DONE)) {
                owner.loopGone.incrementAndGet();
                release();
                try {
                    c.complete(null, f instanceof EventLoopGoneException
                            ? f : new EventLoopGoneException("the event loop closed before the result was delivered"));
                } catch (RuntimeException e) {
                    OffLoop.logCompletionFailure(e);
                }
            }
        }
    }

    /** On the loop's thread. */
    private void resume() {
        OffLoop.Completion<? super T> c = completion;
        if (c == null || !state.compareAndSet(DELIVERING, DONE)) {
            return; // cancelled after the result was handed over
        }
        T v = value;
        Throwable f = failure;
        release();
        if (f instanceof EventLoopGoneException) {
            owner.loopGone.incrementAndGet();
        }
        owner.completed.incrementAndGet();
        c.complete(v, f);
    }

    private void release() {
        work = null;
        completion = null;
        value = null;
        failure = null;
    }
}
