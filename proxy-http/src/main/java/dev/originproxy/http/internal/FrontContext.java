package dev.originproxy.http.internal;

import dev.originproxy.core.loop.OffLoop;
import dev.originproxy.core.tcp.TcpWorker;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every connection of one front shares: bounds, the dispatcher, counters, the off-loop
 * helper, and per-worker state (parsers reused for every request of that worker, the list of
 * connections its timer sweep checks). Per-worker state is touched only on its worker's thread.
 */
public final class FrontContext {
    final FrontSettings settings;
    final HttpDispatcher dispatcher;
    final FrontStats stats;
    final OffLoop offLoop;
    private final ConcurrentHashMap<TcpWorker, PerWorker> perWorker = new ConcurrentHashMap<>();

    /** Per-worker state; worker thread only. */
    static final class PerWorker {
        final HttpRequestHead requestHead;
        final HttpResponseHead responseHead;
        final TcpWorker loop;
        /** Every open client connection of the worker (identity set: O(1) removal on close). */
        final Set<HttpConnection> connections = new HashSet<>();

        PerWorker(FrontSettings s, TcpWorker loop) {
            this.requestHead = new HttpRequestHead(s.maxRequestLine(), s.maxHead(), s.maxHeaders());
            this.responseHead = new HttpResponseHead(s.maxOriginHead(), 100);
            this.loop = loop;
        }
    }

    /** The context of one front. */
    public FrontContext(FrontSettings settings, HttpDispatcher dispatcher, FrontStats stats, OffLoop offLoop) {
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.stats = stats;
        this.offLoop = offLoop;
    }

    PerWorker of(TcpWorker worker) {
        return perWorker.computeIfAbsent(worker, w -> new PerWorker(settings, w));
    }

    /**
     * Checks the head and keep-alive deadlines of the worker's connections; run on that worker
     * (the front's timer submits it a few times a second).
     */
    public void sweep(TcpWorker worker) {
        PerWorker pw = of(worker);
        long now = worker.nanoTime();
        // iterate over a snapshot: an expiry closes the connection, which removes it from the list
        for (HttpConnection c : pw.connections.toArray(new HttpConnection[0])) {
            c.checkDeadline(now);
        }
    }
}
