package dev.originproxy.core.tcp;

import dev.originproxy.core.relay.api.TcpCloseReason;
import dev.originproxy.core.loop.EventLoop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * One event-loop thread of a {@link TcpRelay}: its own {@link Selector}, the connections it owns
 * (accepted ones handed to it round-robin, and the outbound ones its handlers open), one pool of
 * direct buffers and one read buffer. Worker 0 also accepts.
 *
 * <p>Threading: {@link #submit}, {@link #execute}, {@link #isAlive()}, {@link #index()},
 * {@link #nanoTime()} and {@link #inWorkerThread()} may be used from any thread; {@link #connect}
 * and everything on {@link TcpConnection} only on this worker's thread. Nothing blocking ever runs
 * here: blocking work goes through {@link dev.originproxy.core.loop.OffLoop} with this worker as
 * its {@link EventLoop} and resumes here. A worker that dies of an unexpected error is logged at
 * ERROR, closes its connections and refuses further tasks ({@link #isAlive()} turns false).
 */
public final class TcpWorker implements EventLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TcpWorker.class);
    private static final long ERROR_LOG_INTERVAL_NANOS = 10_000_000_000L;
    private static final int ACCEPT_BATCH = 64;

    private final int index;
    private final TcpRelay relay;
    private final Selector selector;
    private final BufferPool pool;
    private final ByteBuffer readBuffer;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<SocketChannel> handedOff = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<TcpConnection> redeliveries = new ArrayDeque<>();
    private final ArrayList<TcpConnection> connections = new ArrayList<>();
    private final long[] closes = new long[TcpCloseReason.values().length];
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private ServerSocketChannel listening;
    private Thread thread;
    private volatile boolean running = true;
    private volatile boolean alive = true;
    private volatile boolean stopping;
    private long nextScanNanos;
    private long lastErrorLogNanos;
    volatile long accepted;
    volatile long connected;
    volatile long bytesIn;
    volatile long bytesOut;
    volatile long bufferedBytes;

    TcpWorker(int index, TcpRelay relay) throws IOException {
        this.index = index;
        this.relay = relay;
        this.selector = Selector.open();
        this.pool = new BufferPool(relay.bufferSize(), relay.maxPooledBuffers());
        this.readBuffer = ByteBuffer.allocateDirect(relay.bufferSize());
    }

    void listen(ServerSocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_ACCEPT, null);
        this.listening = channel;
    }

    void start(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** This worker's index, 0-based. */
    public int index() {
        return index;
    }

    /** The engine's monotonic clock, in nanoseconds. */
    public long nanoTime() {
        return relay.nanoClock().getAsLong();
    }

    /** Whether the caller runs on this worker's thread. */
    public boolean inWorkerThread() {
        return Thread.currentThread() == thread;
    }

    @Override
    public boolean inEventLoop() {
        return inWorkerThread();
    }

    /** Whether this worker still runs (false once closed or died). */
    @Override
    public boolean isAlive() {
        return alive && running;
    }

    /**
     * Runs {@code task} on this worker's thread soon (from any thread).
     *
     * @return true when it will run; false when the worker is closed or died (it never will)
     */
    @Override
    public boolean submit(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (!running) {
            return false;
        }
        tasks.add(task);
        if (!running && tasks.remove(task)) {
            return false; // the worker stopped meanwhile and had not taken it: refused, not lost
        }
        selector.wakeup();
        return true;
    }

    /** {@link #submit} when the caller does not need to know: tasks given after close are dropped. */
    public void execute(Runnable task) {
        submit(task);
    }

    /**
     * Opens a non-blocking outbound connection to {@code remote}, owned by this worker, with the
     * engine's connect timeout. Worker thread only.
     *
     * @see #connect(InetSocketAddress, TcpHandler, Duration)
     */
    public TcpConnection connect(InetSocketAddress remote, TcpHandler handler) throws IOException {
        return connect(remote, handler, Duration.ofNanos(relay.connectTimeoutNanos()));
    }

    /**
     * Opens a non-blocking outbound connection to {@code remote}, owned by this worker. The
     * handler gets {@link TcpHandler#onConnected} when it is established, or
     * {@link TcpHandler#onClosed} with {@link TcpCloseReason#CONNECT_FAILED} or
     * {@link TcpCloseReason#CONNECT_TIMEOUT}. Bytes written before it is established are queued.
     * Worker thread only.
     *
     * @throws IOException when no socket could be opened or the address is unusable (nothing is left open)
     */
    public TcpConnection connect(InetSocketAddress remote, TcpHandler handler, Duration timeout) throws IOException {
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(handler, "handler");
        if (!inWorkerThread()) {
            throw new IllegalStateException("connect must run on the worker thread");
        }
        if (remote.isUnresolved()) {
            throw new IOException("unresolved address " + remote + " (resolve names off the event loop)");
        }
        SocketChannel ch = SocketChannel.open();
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean done = ch.connect(remote);
            long now = nanoTime();
            TcpConnection c = new TcpConnection(this, ch, false, relay.nextConnectionId(), remote, now);
            SelectionKey key = ch.register(selector, 0, c);
            add(c);
            c.register(key, handler, now + timeout.toNanos());
            if (done) {
                execute(() -> c.onSelected(SelectionKey.OP_CONNECT));
            }
            return c;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Counts of closed connections by reason (racy). */
    long closes(TcpCloseReason reason) {
        return closes[reason.ordinal()];
    }

    int openConnections() {
        return connections.size();
    }

    int pooledBuffers() {
        return pool.held();
    }

    TcpRelay relay() {
        return relay;
    }

    BufferPool pool() {
        return pool;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    boolean isStopping() {
        return stopping;
    }

    void redeliverLater(TcpConnection c) {
        redeliveries.addLast(c);
    }

    void handOff(SocketChannel accepted) {
        handedOff.add(accepted);
        selector.wakeup();
        if (!running) {
            drainHandedOff(); // lost the race with stop: close it rather than leak it
        }
    }

    private void add(TcpConnection c) {
        c.slot = connections.size();
        connections.add(c);
    }

    void closed(TcpConnection c, TcpCloseReason reason) {
        int slot = c.slot;
        if (slot >= 0 && slot < connections.size() && connections.get(slot) == c) {
            TcpConnection last = connections.remove(connections.size() - 1);
            if (last != c) {
                connections.set(slot, last);
                last.slot = slot;
            }
        }
        c.slot = -1;
        closes[reason.ordinal()]++;
        if (c.isAccepted()) {
            relay.releaseClientSlot();
        }
    }

    void countRefused(TcpCloseReason reason) {
        closes[reason.ordinal()]++;
    }

    void discardUnstarted() {
        running = false;
        alive = false;
        closeQuietly(selector);
    }

    void stop() {
        running = false;
        selector.wakeup();
    }

    void join(long millis) throws InterruptedException {
        if (thread != null) {
            thread.join(millis);
        }
    }

    private void run() {
        try {
            nextScanNanos = nanoTime() + relay.scanNanos();
            while (running) {
                long waitMillis = Math.max(1, (nextScanNanos - nanoTime()) / 1_000_000);
                selector.select(onSelected, waitMillis);
                registerHandedOff();
                runTasks();
                runRedeliveries();
                long now = nanoTime();
                if (now - nextScanNanos >= 0) {
                    nextScanNanos = now + relay.scanNanos();
                    checkTimers(now);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            alive = false;
            LOG.error("tcp worker {} died: {} (its connections close, its pending work is failed)", index, e.toString(), e);
        } finally {
            shutdown();
        }
    }

    private void onSelected(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        Object att = key.attachment();
        if (att == null) {
            acceptClients();
            return;
        }
        TcpConnection c = (TcpConnection) att;
        try {
            c.onSelected(key.readyOps());
        } catch (java.nio.channels.CancelledKeyException e) {
            // closed during the callback
        }
    }

    private void acceptClients() {
        for (int i = 0; i < ACCEPT_BATCH; i++) {
            SocketChannel ch;
            try {
                ch = listening.accept();
            } catch (IOException e) {
                logError("accept failed", e); // e.g. out of descriptors: try again on the next wake-up
                return;
            }
            if (ch == null) {
                return;
            }
            accepted++;
            if (!relay.tryAcquireClientSlot()) {
                countRefused(TcpCloseReason.CONNECTION_LIMIT);
                closeQuietly(ch);
                continue;
            }
            relay.nextWorker().handOff(ch);
        }
    }

    private void registerHandedOff() {
        SocketChannel ch;
        while ((ch = handedOff.poll()) != null) {
            register(ch);
        }
    }

    private void register(SocketChannel ch) {
        TcpConnection c;
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress();
            c = new TcpConnection(this, ch, true, relay.nextConnectionId(), remote, nanoTime());
            SelectionKey key = ch.register(selector, 0, c);
            add(c);
            c.register(key, null, 0);
        } catch (IOException | RuntimeException e) {
            relay.releaseClientSlot();
            countRefused(TcpCloseReason.RESET);
            closeQuietly(ch);
            return;
        }
        TcpHandler h;
        try {
            h = relay.handlerFactory().create(c);
            Objects.requireNonNull(h, "handler factory returned null");
            c.handler(h);
            h.onOpen(c);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            logError("handler failed in create/onOpen", e);
            c.closeNow(TcpCloseReason.HANDLER_ERROR, true);
        }
    }

    private void runTasks() {
        Runnable t;
        while ((t = tasks.poll()) != null) {
            try {
                t.run();
            } catch (RuntimeException | LinkageError | AssertionError e) {
                logError("task failed on tcp worker", e);
            }
        }
    }

    private void runRedeliveries() {
        for (int n = redeliveries.size(); n > 0; n--) {
            TcpConnection c = redeliveries.pollFirst();
            if (c == null) {
                return;
            }
            c.redeliver();
        }
    }

    private void checkTimers(long now) {
        for (int i = connections.size() - 1; i >= 0; i--) {
            if (i >= connections.size()) {
                continue; // a callback closed several connections
            }
            connections.get(i).checkTimers(now);
        }
    }

    private void shutdown() {
        running = false;
        stopping = true;
        runTasks();
        for (int i = connections.size() - 1; i >= 0; i--) {
            if (i < connections.size()) {
                connections.get(i).closeNow(TcpCloseReason.SHUTDOWN, false);
            }
        }
        // tasks that raced with the stop: run them (submit told their owners they would run)
        runTasks();
        drainHandedOff();
        if (listening != null) {
            closeQuietly(listening);
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void drainHandedOff() {
        SocketChannel ch;
        while ((ch = handedOff.poll()) != null) {
            relay.releaseClientSlot();
            countRefused(TcpCloseReason.SHUTDOWN);
            closeQuietly(ch);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    void logError(String what, Throwable e) {
        long now = System.nanoTime();
        if (now - lastErrorLogNanos > ERROR_LOG_INTERVAL_NANOS || lastErrorLogNanos == 0) {
            lastErrorLogNanos = now;
            LOG.warn("tcp worker {}: {} (further errors for 10 s are counted, not logged)", index, what, e);
        }
    }
}
