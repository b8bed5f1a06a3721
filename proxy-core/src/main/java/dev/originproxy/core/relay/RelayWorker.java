package dev.originproxy.core.relay;

import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.api.UdpTransport;
import dev.originproxy.core.loop.EventLoop;
import dev.originproxy.core.session.EndReason;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One event-loop thread of a {@link UdpRelay}: its own readiness wait and listening socket on the
 * shared port (with {@code SO_REUSEPORT} on Linux, so the kernel spreads clients over workers and
 * keeps each client on one worker), the upstream sockets of the legs it owns, and one
 * {@link RelayHandler}. The system calls behind them are the relay's {@link UdpTransport}.
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
    private static final long ERROR_LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final int index;
    private final UdpRelay relay;
    private final DatagramIo io;
    private final InetSocketAddress localAddress;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ArrayList<RelayLeg> legs = new ArrayList<>();
    private final long[] drops = new long[DropReason.values().length];
    private final AtomicInteger totalLegs;
    private RelayHandler handler;
    private Thread thread;
    private volatile boolean running = true;
    private volatile boolean alive = true;
    private long now;
    private long nextTickNanos;
    private long nextIdleScanNanos;
    private long lastErrorLogNanos;
    private long packetsIn;
    private long packetsOut;

    RelayWorker(int index, UdpRelay relay, DatagramIo io, AtomicInteger totalLegs) {
        this.index = index;
        this.relay = relay;
        this.io = io;
        this.totalLegs = totalLegs;
        this.localAddress = io.localAddress();
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

    /**
     * The worker's clock (the relay's clock), in nanoseconds. On the worker's thread it is read
     * once per wake-up (before the datagrams of a batch, each task run and each tick), so every
     * callback of one batch sees the same instant and a datagram costs no clock read; elsewhere it
     * reads the clock.
     */
    public long nanoTime() {
        return Thread.currentThread() == thread ? now : relay.nanoClock().getAsLong();
    }

    /** Reads the relay's clock for what runs next on this thread; the transport calls it per wake-up. */
    long refreshClock() {
        return now = relay.nanoClock().getAsLong();
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
        io.wakeup();
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
     * Opens a leg: a new non-blocking upstream socket connected to {@code upstream} and
     * read by this worker.
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
        DatagramIo.UpstreamSocket socket = null;
        try {
            socket = io.openUpstream(upstream, relay.socketBufferBytes());
            RelayLeg leg = new RelayLeg(this, client, upstream, socket, attachment, nanoTime());
            socket.attach(leg);
            leg.slot = legs.size();
            legs.add(leg);
            return leg;
        } catch (IOException | RuntimeException e) {
            totalLegs.decrementAndGet();
            if (socket != null) {
                socket.close();
            }
            throw e;
        }
    }

    /**
     * Sends a datagram to {@code client} through the listening socket. Returns false (and counts
     * {@link DropReason#SEND_FAILED}) when the socket had no room or failed. A batching transport
     * may queue it until the end of the current batch; one that fails then is counted as
     * {@link DropReason#SEND_FAILED}. Consumes the buffer (position = limit).
     */
    public boolean sendToClient(ByteBuffer packet, InetSocketAddress client) {
        return sendToClient(packet, client, null);
    }

    boolean sendToClient(ByteBuffer packet, InetSocketAddress client, RelayLeg leg) {
        if (io.sendToClient(packet, client, leg)) {
            packetsOut++;
            return true;
        }
        countDrop(DropReason.SEND_FAILED);
        return false;
    }

    /** A queued datagram to a client or an origin could not be sent after all. */
    void sendFailedLater(RelayLeg leg, boolean toClient) {
        countDrop(DropReason.SEND_FAILED);
        if (toClient) {
            packetsOut--;
        }
        if (leg != null) {
            leg.dropped++;
        }
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
        alive = false; // its transport is closed by UdpRelay#start, which opened it
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
        io.wakeup();
    }

    void join(long millis) throws InterruptedException {
        if (thread != null) {
            thread.join(millis);
        }
    }

    private void run(RelayHandlerFactory factory) {
        try {
            long start = refreshClock();
            handler = factory.create(this);
            nextTickNanos = start + relay.tickNanos();
            nextIdleScanNanos = start + relay.idleScanNanos();
            while (running) {
                turn();
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

    /** One wait and what follows it; a method of its own so the JIT compiles it like any other. */
    private void turn() throws IOException {
        long waitMillis = tasks.isEmpty() ? Math.max(1, (nextTickNanos - now) / 1_000_000) : 0;
        io.poll(this, waitMillis);
        long t = refreshClock();
        runTasks();
        if (t - nextTickNanos >= 0) {
            nextTickNanos = t + relay.tickNanos();
            try {
                handler.onTick(t);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                logError("handler failed in onTick", e);
            }
        }
        if (t - nextIdleScanNanos >= 0) {
            nextIdleScanNanos = t + relay.idleScanNanos();
            closeIdleLegs(t);
        }
        io.flush();
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

    /** A datagram from a client, read by the transport: count it and give it to the handler. */
    void clientDatagram(ByteBuffer buf, InetSocketAddress from) {
        packetsIn++;
        try {
            handler.onClientPacket(buf, from);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            countDrop(DropReason.HANDLER_ERROR);
            logError("handler failed on a client packet", e);
        }
    }

    /** A datagram from the origin on {@code leg}, read by the transport. */
    void upstreamDatagram(RelayLeg leg, ByteBuffer buf) {
        leg.countFromOrigin(buf.remaining(), nanoTime());
        try {
            handler.onUpstreamPacket(leg, buf);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            countDrop(DropReason.HANDLER_ERROR);
            logError("handler failed on an upstream packet", e);
        }
    }

    /** Reading {@code leg}'s socket failed for good (not an ICMP port unreachable): close it. */
    void upstreamFailed(RelayLeg leg) {
        closeLeg(leg, EndReason.ERROR);
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
        io.flush();
        io.close();
    }

    void logError(String what, Throwable e) {
        long now = System.nanoTime();
        if (now - lastErrorLogNanos > ERROR_LOG_INTERVAL_NANOS || lastErrorLogNanos == 0) {
            lastErrorLogNanos = now;
            LOG.warn("relay worker {}: {} (further errors for 10 s are counted, not logged)", index, what, e);
        }
    }
}
