package dev.originproxy.core.relay;

import dev.originproxy.core.loop.EventLoop;
import dev.originproxy.core.session.EndReason;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One event-loop thread of a {@link UdpRelay}: its own {@link Selector}, its own listening
 * {@link DatagramChannel} on the shared port (with {@code SO_REUSEPORT} on Linux, so the kernel
 * spreads clients over workers and keeps each client on one worker), the upstream channels of
 * the legs it owns, and one {@link RelayHandler}.
 *
 * <p>Threading: {@link #submit}, {@link #execute}, {@link #isAlive()}, {@link #index()},
 * {@link #localAddress()} and the drop counters may be used from any thread; everything else only
 * on this worker's thread (inside handler callbacks or tasks given to {@link #submit}). Nothing
 * blocking ever runs here: blocking work goes through {@link dev.originproxy.core.loop.OffLoop},
 * which resumes on this worker.
 *
 * <p>A worker that dies (an error escaping the loop) logs it at ERROR, counts it in
 * {@link UdpRelay#workersDied()}, ends its sessions through the handler's {@code onClose}, runs
 * or refuses every queued task (a task {@link #submit} accepted always runs), and from then on
 * refuses new tasks, so work routed to it is failed instead of pending forever.
 */
public final class RelayWorker implements EventLoop {
    private static final Logger LOG = LoggerFactory.getLogger(RelayWorker.class);
    private static final int BATCH = 64;
    private static final long ERROR_LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final int index;
    private final UdpRelay relay;
    private final Selector selector;
    private final DatagramChannel listening;
    private final InetSocketAddress localAddress;
    private final ByteBuffer buffer;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ArrayList<RelayLeg> legs = new ArrayList<>();
    private final long[] drops = new long[DropReason.values().length];
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private final AtomicInteger totalLegs;
    private RelayHandler handler;
    private Thread thread;
    private volatile boolean running = true;
    private volatile boolean alive = true;
    private long nextTickNanos;
    private long nextIdleScanNanos;
    private long lastErrorLogNanos;
    private long packetsIn;
    private long packetsOut;

    RelayWorker(int index, UdpRelay relay, DatagramChannel listening, AtomicInteger totalLegs) throws IOException {
        this.index = index;
        this.relay = relay;
        this.listening = listening;
        this.totalLegs = totalLegs;
        this.localAddress = (InetSocketAddress) listening.getLocalAddress();
        this.selector = relay.openSelector();
        try {
            this.buffer = ByteBuffer.allocateDirect(relay.bufferSize());
            listening.configureBlocking(false);
            listening.register(selector, SelectionKey.OP_READ, null);
        } catch (IOException | RuntimeException | Error e) {
            selector.close();
            throw e;
        }
    }

    void start(RelayHandlerFactory factory, String threadName) {
        thread = new Thread(() -> run(factory), threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** This worker's index, 0-based. */
    public int index() {
        return index;
    }

    /** The address the listening channel is bound to. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The worker's clock (the relay's clock), in nanoseconds. */
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

    /** Counts a dropped datagram (any thread may read the counts through {@link UdpRelay#stats()}). */
    public void countDrop(DropReason reason) {
        drops[reason.ordinal()]++;
    }

    long drops(DropReason reason) {
        return drops[reason.ordinal()];
    }

    long packetsIn() {
        return packetsIn;
    }

    long packetsOut() {
        return packetsOut;
    }

    int legCount() {
        return legs.size();
    }

    /**
     * Opens a leg: a new non-blocking upstream channel connected to {@code upstream} and
     * registered with this worker.
     *
     * @param attachment the router's state for the leg
     * @throws RelayLimitException when the relay's maximum of legs is reached
     * @throws IOException when the channel cannot be opened or connected
     */
    public RelayLeg openLeg(InetSocketAddress client, InetSocketAddress upstream, Object attachment)
            throws IOException {
        if (totalLegs.incrementAndGet() > relay.maxLegs()) {
            totalLegs.decrementAndGet();
            throw new RelayLimitException("relay leg limit reached (" + relay.maxLegs() + ")");
        }
        DatagramChannel ch = null;
        try {
            ch = DatagramChannel.open(upstream.getAddress() instanceof java.net.Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            ch.configureBlocking(false);
            ch.connect(upstream);
            SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
            RelayLeg leg = new RelayLeg(this, client, upstream, ch, key, attachment, nanoTime());
            key.attach(leg);
            leg.slot = legs.size();
            legs.add(leg);
            return leg;
        } catch (IOException | RuntimeException e) {
            totalLegs.decrementAndGet();
            if (ch != null) {
                ch.close();
            }
            throw e;
        }
    }

    /**
     * Sends a datagram to {@code client} through the listening channel. Returns false (and counts
     * {@link DropReason#SEND_FAILED}) when the socket had no room or failed.
     */
    public boolean sendToClient(ByteBuffer packet, InetSocketAddress client) {
        int len = packet.remaining();
        try {
            if (listening.send(packet, client) == len) {
                packetsOut++;
                return true;
            }
        } catch (IOException | RuntimeException e) {
            logError("send to client failed", e);
        }
        countDrop(DropReason.SEND_FAILED);
        return false;
    }

    void closeLeg(RelayLeg leg, EndReason notify) {
        if (!leg.markClosed()) {
            return;
        }
        int slot = leg.slot;
        if (slot >= 0 && slot < legs.size() && legs.get(slot) == leg) {
            RelayLeg last = legs.remove(legs.size() - 1);
            if (last != leg) {
                legs.set(slot, last);
                last.slot = slot;
            }
        }
        leg.slot = -1;
        totalLegs.decrementAndGet();
        if (notify != null && handler != null) {
            try {
                handler.onLegClosed(leg, notify);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                logError("handler failed in onLegClosed", e);
            }
        }
    }

    /** Frees a worker built by a {@link UdpRelay#start()} that failed before starting it. */
    void closeUnstarted() {
        running = false;
        alive = false;
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** ICMP port unreachable (or connection refused) on {@code leg}'s upstream socket: tell the router. */
    void upstreamUnreachable(RelayLeg leg) {
        if (handler == null || !leg.isOpen()) {
            return;
        }
        try {
            handler.onUpstreamUnreachable(leg);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            logError("handler failed in onUpstreamUnreachable", e);
        }
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

    private void run(RelayHandlerFactory factory) {
        try {
            handler = factory.create(this);
            long now = nanoTime();
            nextTickNanos = now + relay.tickNanos();
            nextIdleScanNanos = now + relay.idleScanNanos();
            while (running) {
                long waitMillis = Math.max(1, (nextTickNanos - nanoTime()) / 1_000_000);
                selector.select(onSelected, waitMillis);
                runTasks();
                now = nanoTime();
                if (now - nextTickNanos >= 0) {
                    nextTickNanos = now + relay.tickNanos();
                    try {
                        handler.onTick(now);
                    } catch (RuntimeException | LinkageError | AssertionError e) {
                        logError("handler failed in onTick", e);
                    }
                }
                if (now - nextIdleScanNanos >= 0) {
                    nextIdleScanNanos = now + relay.idleScanNanos();
                    closeIdleLegs(now);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            // reported, never silent: ERROR line, a counter, workersAlive() drops, queued work is failed
            alive = false;
            relay.workerDied();
            LOG.error("relay worker {} died: {} (its sessions end, its pending work is failed)", index, e.toString(), e);
        } finally {
            shutdown();
        }
    }

    private void runTasks() {
        Runnable t;
        while ((t = tasks.poll()) != null) {
            try {
                t.run();
            } catch (RuntimeException | LinkageError | AssertionError e) {
                logError("task failed on relay worker", e);
            }
        }
    }

    private void onSelected(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        Object att = key.attachment();
        if (att == null) {
            readClients();
        } else {
            readUpstream((RelayLeg) att);
        }
    }

    private void readClients() {
        for (int i = 0; i < BATCH; i++) {
            ByteBuffer buf = buffer;
            buf.clear();
            InetSocketAddress from;
            try {
                from = (InetSocketAddress) listening.receive(buf);
            } catch (IOException e) {
                logError("receive on listening channel failed", e);
                return;
            }
            if (from == null) {
                return;
            }
            buf.flip();
            packetsIn++;
            try {
                handler.onClientPacket(buf, from);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                countDrop(DropReason.HANDLER_ERROR);
                logError("handler failed on a client packet", e);
            }
        }
    }

    private void readUpstream(RelayLeg leg) {
        for (int i = 0; i < BATCH && leg.isOpen(); i++) {
            ByteBuffer buf = buffer;
            buf.clear();
            int n;
            try {
                n = leg.channel().read(buf);
            } catch (java.net.PortUnreachableException e) {
                // The origin's port is closed right now (ICMP). Keep the leg: the router decides
                // (origin health: suspect, then end when silent); an origin restarting on the same
                // port resumes the relay.
                leg.dropped++;
                upstreamUnreachable(leg);
                return;
            } catch (IOException e) {
                closeLeg(leg, EndReason.ERROR);
                return;
            }
            if (n <= 0) {
                return;
            }
            buf.flip();
            leg.countFromOrigin(n, nanoTime());
            try {
                handler.onUpstreamPacket(leg, buf);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                countDrop(DropReason.HANDLER_ERROR);
                logError("handler failed on an upstream packet", e);
            }
        }
    }

    private void closeIdleLegs(long now) {
        long idle = relay.legIdleNanos();
        for (int i = legs.size() - 1; i >= 0; i--) {
            if (i >= legs.size()) {
                continue; // a callback closed several legs
            }
            RelayLeg leg = legs.get(i);
            if (now - leg.lastActivityNanos > idle) {
                closeLeg(leg, EndReason.IDLE_TIMEOUT);
            }
        }
    }

    private void shutdown() {
        running = false;
        try {
            if (handler != null) {
                handler.onClose();
            }
        } catch (RuntimeException | LinkageError | AssertionError e) {
            LOG.warn("relay handler failed in onClose", e);
        }
        runTasks();
        for (int i = legs.size() - 1; i >= 0; i--) {
            closeLeg(legs.get(i), EndReason.PROXY_SHUTDOWN);
        }
        // tasks that raced with the stop: run them (submit told their owners they would run)
        runTasks();
        try {
            listening.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void logError(String what, Throwable e) {
        long now = System.nanoTime();
        if (now - lastErrorLogNanos > ERROR_LOG_INTERVAL_NANOS || lastErrorLogNanos == 0) {
            lastErrorLogNanos = now;
            LOG.warn("relay worker {}: {} (further errors for 10 s are counted, not logged)", index, what, e);
        }
    }

    static void enableReusePort(DatagramChannel ch) throws IOException {
        ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
    }
}
