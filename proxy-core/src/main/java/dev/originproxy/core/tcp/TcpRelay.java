package dev.originproxy.core.tcp;

import dev.originproxy.core.relay.api.TcpRelayStats;
import dev.originproxy.core.relay.api.TcpCloseReason;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The TCP relay engine (sibling of the UDP {@link dev.originproxy.core.relay.UdpRelay}): a small
 * fixed number of event-loop {@link TcpWorker}s, each with its own selector, that accept client
 * connections on one port, open non-blocking connections to origins with a deadline, and move
 * bytes both ways through bounded, pooled direct buffers with backpressure (see
 * {@link TcpConnection}). Protocol logic plugs in as {@link TcpHandler}s; the engine knows no
 * protocol.
 *
 * <p>Bounded: a maximum of accepted connections (more are closed at once and counted), a maximum
 * of bytes queued per connection, connect, idle and write-stall timeouts checked by a periodic
 * scan per worker (no thread or timer per connection). Every close is counted by
 * {@link TcpCloseReason}.
 *
 * <p>Thread-safe: build, {@link #start()}, then use from any thread. {@link #close()} closes every
 * connection (handlers get {@link TcpHandler#onClosed} with {@link TcpCloseReason#SHUTDOWN}) and
 * joins every thread.
 */
public final class TcpRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpRelay.class);

    private final InetSocketAddress bindAddress;
    private final int workerCount;
    private final TcpHandlerFactory handlerFactory;
    private final int maxConnections;
    private final long maxBufferedBytes;
    private final long writeHighWater;
    private final int bufferSize;
    private final int maxPooledBuffers;
    private final long connectTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long writeStallNanos;
    private final long scanNanos;
    private final int backlog;
    private final String name;
    private final LongSupplier nanoClock;
    private final AtomicInteger clientSlots = new AtomicInteger();
    private final AtomicInteger nextWorker = new AtomicInteger();
    private final AtomicLong connectionIds = new AtomicLong();
    private final List<TcpWorker> workers = new ArrayList<>();
    private InetSocketAddress localAddress;
    private volatile boolean started;
    private volatile boolean closed;

    private TcpRelay(Builder b) {
        this.bindAddress = Objects.requireNonNull(b.bindAddress, "bindAddress");
        this.handlerFactory = Objects.requireNonNull(b.handlerFactory, "handlerFactory");
        this.workerCount = b.workers > 0 ? b.workers : Math.max(1, Runtime.getRuntime().availableProcessors());
        this.maxConnections = b.maxConnections;
        this.maxBufferedBytes = b.maxBufferedBytes;
        this.writeHighWater = Math.min(b.writeHighWater, b.maxBufferedBytes);
        this.bufferSize = b.bufferSize;
        this.maxPooledBuffers = b.maxPooledBuffers;
        this.connectTimeoutNanos = b.connectTimeout.toNanos();
        this.idleTimeoutNanos = b.idleTimeout.toNanos();
        this.writeStallNanos = b.writeStallTimeout.toNanos();
        this.scanNanos = b.timerResolution.toNanos();
        this.backlog = b.backlog;
        this.name = b.name;
        this.nanoClock = b.nanoClock;
    }

    /**
     * A builder with defaults: one worker per processor, 10,000 connections, 1 MiB queued per
     * connection (high-water mark 256 KiB), 64 KiB buffers, 5 s connect timeout, 60 s idle
     * timeout, 10 s write-stall timeout.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the listening port and starts the workers.
     *
     * @throws IOException when the port cannot be bound; nothing is left open
     */
    public synchronized TcpRelay start() throws IOException {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(bindAddress, backlog);
            localAddress = (InetSocketAddress) server.getLocalAddress();
            for (int i = 0; i < workerCount; i++) {
                workers.add(new TcpWorker(i, this));
            }
            workers.get(0).listen(server);
        } catch (IOException | RuntimeException e) {
            try {
                server.close();
            } catch (IOException ignored) {
                // already failing
            }
            for (TcpWorker w : workers) {
                w.discardUnstarted();
            }
            workers.clear();
            throw e;
        }
        for (TcpWorker w : workers) {
            w.start(name + "-" + w.index());
        }
        LOG.info("{} listening on tcp {} with {} worker(s)", name, localAddress, workerCount);
        return this;
    }

    /** The bound address (with the real port when 0 was asked). */
    public InetSocketAddress localAddress() {
        if (localAddress == null) {
            throw new IllegalStateException("not started");
        }
        return localAddress;
    }

    /** The workers (fixed after {@link #start()}). */
    public List<TcpWorker> workers() {
        return List.copyOf(workers);
    }

    /** A snapshot of the engine's counters. */
    public TcpRelayStats stats() {
        long accepted = 0;
        long connected = 0;
        int open = 0;
        long in = 0;
        long out = 0;
        long buffered = 0;
        int pooled = 0;
        Map<TcpCloseReason, Long> closes = new EnumMap<>(TcpCloseReason.class);
        for (TcpWorker w : workers) {
            accepted += w.accepted;
            connected += w.connected;
            open += w.openConnections();
            in += w.bytesIn;
            out += w.bytesOut;
            buffered += w.bufferedBytes;
            pooled += w.pooledBuffers();
            for (TcpCloseReason r : TcpCloseReason.values()) {
                long n = w.closes(r);
                if (n != 0) {
                    closes.merge(r, n, Long::sum);
                }
            }
        }
        return new TcpRelayStats(accepted, connected, open, in, out, buffered, pooled, closes);
    }

    /** Workers still running; fewer than {@link #workers()} once one died of an unexpected error. */
    public int workersAlive() {
        int n = 0;
        for (TcpWorker w : workers) {
            if (w.isAlive()) {
                n++;
            }
        }
        return n;
    }

    TcpHandlerFactory handlerFactory() {
        return handlerFactory;
    }

    TcpWorker nextWorker() {
        return workers.get(Math.floorMod(nextWorker.getAndIncrement(), workers.size()));
    }

    boolean tryAcquireClientSlot() {
        if (clientSlots.incrementAndGet() > maxConnections) {
            clientSlots.decrementAndGet();
            return false;
        }
        return true;
    }

    void releaseClientSlot() {
        clientSlots.decrementAndGet();
    }

    long nextConnectionId() {
        return connectionIds.incrementAndGet();
    }

    long maxBufferedBytes() {
        return maxBufferedBytes;
    }

    long writeHighWater() {
        return writeHighWater;
    }

    int bufferSize() {
        return bufferSize;
    }

    int maxPooledBuffers() {
        return maxPooledBuffers;
    }

    long connectTimeoutNanos() {
        return connectTimeoutNanos;
    }

    long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    long writeStallNanos() {
        return writeStallNanos;
    }

    long scanNanos() {
        return scanNanos;
    }

    LongSupplier nanoClock() {
        return nanoClock;
    }

    /** Closes every connection and the listening port, and joins every worker thread. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (TcpWorker w : workers) {
            w.stop();
        }
        for (TcpWorker w : workers) {
            try {
                w.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        LOG.info("{} closed", name);
    }

    /** Configures a {@link TcpRelay}; not thread-safe. */
    public static final class Builder {
        private InetSocketAddress bindAddress = new InetSocketAddress(0);
        private int workers;
        private TcpHandlerFactory handlerFactory;
        private int maxConnections = 10_000;
        private long maxBufferedBytes = 1 << 20;
        private long writeHighWater = 256 << 10;
        private int bufferSize = 64 << 10;
        private int maxPooledBuffers = 256;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration writeStallTimeout = Duration.ofSeconds(10);
        private Duration timerResolution = Duration.ofMillis(100);
        private int backlog = 1024;
        private String name = "tcp-relay";
        private LongSupplier nanoClock = System::nanoTime;

        private Builder() {
        }

        /** The address and port to listen on (port 0 picks a free one). Default: all interfaces, port 0. */
        public Builder bind(InetSocketAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Worker threads; default the number of processors. */
        public Builder workers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("workers must be >= 0");
            }
            this.workers = count;
            return this;
        }

        /** Makes the handler of each accepted connection (required). */
        public Builder handler(TcpHandlerFactory factory) {
            this.handlerFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** The most accepted client connections open at once; more are closed at once. Default 10,000. */
        public Builder maxConnections(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxConnections must be positive");
            }
            this.maxConnections = max;
            return this;
        }

        /** The most bytes queued for writing on one connection; more closes it. Default 1 MiB. */
        public Builder maxBufferedBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxBufferedBytes must be at least 1024");
            }
            this.maxBufferedBytes = bytes;
            return this;
        }

        /**
         * Queued bytes at which a connection stops being writable (its source should stop reading);
         * it becomes writable again at half of it. Default 256 KiB (capped at maxBufferedBytes).
         */
        public Builder writeHighWater(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("writeHighWater must be positive");
            }
            this.writeHighWater = bytes;
            return this;
        }

        /**
         * Size of each pooled direct buffer and of a connection's input buffer: the largest unit a
         * handler can wait for before consuming. Default 64 KiB.
         */
        public Builder bufferSize(int bytes) {
            if (bytes < 512) {
                throw new IllegalArgumentException("bufferSize must be at least 512");
            }
            this.bufferSize = bytes;
            return this;
        }

        /** Free buffers each worker keeps for reuse; default 256. */
        public Builder maxPooledBuffers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("maxPooledBuffers must be >= 0");
            }
            this.maxPooledBuffers = count;
            return this;
        }

        /** Default deadline of outbound connects; default 5 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** A connection with no byte either way for this long is closed; default 60 s. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /** Queued bytes with no write progress for this long close the connection (RST); default 10 s. */
        public Builder writeStallTimeout(Duration timeout) {
            this.writeStallTimeout = positive(timeout, "writeStallTimeout");
            return this;
        }

        /** How often each worker checks its connections' timers; default 100 ms. */
        public Builder timerResolution(Duration interval) {
            this.timerResolution = positive(interval, "timerResolution");
            return this;
        }

        /** The listening socket's accept backlog; default 1024. */
        public Builder backlog(int backlog) {
            if (backlog < 1) {
                throw new IllegalArgumentException("backlog must be positive");
            }
            this.backlog = backlog;
            return this;
        }

        /** Name for threads and logs; default {@code tcp-relay}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The monotonic clock in nanoseconds; default {@link System#nanoTime()}. */
        public Builder nanoClock(LongSupplier clock) {
            this.nanoClock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The engine, not started yet. */
        public TcpRelay build() {
            return new TcpRelay(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return d;
        }
    }
}
