package dev.originproxy.http.internal;

import dev.originproxy.core.loop.EventLoop;
import dev.originproxy.core.tcp.TcpWorker;

import java.util.function.BooleanSupplier;

/**
 * A TCP engine worker seen as the {@link EventLoop} that {@link dev.originproxy.core.loop.OffLoop}
 * resumes on. It refuses tasks once the front is closing, so a completion whose loop is gone is
 * told so ({@link dev.originproxy.core.loop.EventLoopGoneException}) and can release what it holds
 * instead of waiting for a loop that will never run it. Thread-safe.
 */
final class WorkerLoop implements EventLoop {
    private final TcpWorker worker;
    private final BooleanSupplier closed;

    WorkerLoop(TcpWorker worker, BooleanSupplier closed) {
        this.worker = worker;
        this.closed = closed;
    }

    @Override
    public boolean submit(Runnable task) {
        if (closed.getAsBoolean()) {
            return false;
        }
        worker.execute(task);
        return true;
    }

    @Override
    public boolean inEventLoop() {
        return worker.inWorkerThread();
    }

    @Override
    public boolean isAlive() {
        return !closed.getAsBoolean();
    }
}
