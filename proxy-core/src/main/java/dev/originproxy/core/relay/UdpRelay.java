package dev.originproxy.core.relay;

import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.api.RelayDefaults;
import dev.originproxy.core.relay.api.RelayStats;
import dev.originproxy.core.relay.api.UdpTransport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The UDP relay engine both routers run on: a fixed number of event-loop {@link RelayWorker}s
 * serving one UDP port, each with its own readiness wait and listening socket (sharing the port
 * with {@code SO_REUSEPORT} on Linux; one worker elsewhere or when asked), and per
 * {@link RelayLeg} one connected upstream socket to the origin. The steady-state packet path
 * allocates nothing: reused direct buffers per worker, no per-packet objects.
 *
 * <p>The system calls are a {@link UdpTransport}: the portable NIO path, or where it works the
 * batched {@code recvmmsg}/{@code sendmmsg} path; {@link #start()} logs which one runs.
 *
 * <p>Bounded: a maximum of legs, an idle timeout per leg (a periodic deadline scan per worker, not
 * a thread per session). {@link #close()} closes every channel and joins every thread.
 *
 * <p>Thread-safe: build, {@link #start()}, then use from any thread.
 */
public final class UdpRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UdpRelay.class);

    private final InetSocketAddress bindAddress;
    private final int workerCount;
    private final boolean reusePort;
    private final RelayHandlerFactory handlerFactory;
    private final long tickNanos;
    private final long legIdleNanos;
    private final int maxLegs;
    private final int bufferSize;
    private final int socketBufferBytes;
    private final String name;
    private final LongSupplier nanoClock;
    private final UdpTransport transport;
    private volatile String transportInUse;
    private final AtomicInteger totalLegs = new AtomicInteger();
    private final AtomicInteger workersDied = new AtomicInteger();
    private final List<RelayWorker> workers = new ArrayList<>();
    /** Opens each worker's selector; a seam so a test can make the n-th one fail. */
    SelectorOpener selectorOpener = Selector::open;
    private volatile boolean started;
    private volatile boolean closed;

    private UdpRelay(Builder b) {
        this.bindAddress = Objects.requireNonNull(b.bindAddress, "bindAddress");
        this.handlerFactory = Objects.requireNonNull(b.handlerFactory, "handlerFactory");
        this.reusePort = b.reusePort == null ? reusePortSupported() : b.reusePort;
        int w = b.workers > 0 ? b.workers : RelayDefaults.udpWorkers();
        this.workerCount = this.reusePort ? w : 1;
        this.tickNanos = b.tick.toNanos();
        this.legIdleNanos = b.legIdleTimeout.toNanos();
        this.maxLegs = b.maxLegs;
        this.bufferSize = b.bufferSize;
        this.socketBufferBytes = b.socketBufferBytes;
        this.name = b.name;
        this.nanoClock = b.nanoClock;
        this.transport = b.transport != null ? b.transport : UdpTransport.fromSystemProperty();
    }

    /** A builder with defaults: {@link RelayDefaults#udpWorkers()}, 30 s leg idle timeout, 100,000 legs. */
    public static Builder builder() {
        return new Builder();
    }

    static boolean reusePortSupported() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        if (!os.contains("linux")) {
            return false; // elsewhere SO_REUSEPORT does not balance datagrams across sockets
        }
        try (DatagramChannel ch = DatagramChannel.open()) {
            return ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Binds every worker's listening channel and starts the workers.
     *
     * @throws IOException when the port cannot be bound (in use, no permission); nothing is left open
     */
    public synchronized UdpRelay start() throws IOException {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        DatagramIos.Selection selection = DatagramIos.select(transport, this::openSelector);
        DatagramIo.Factory factory = selection.factory;
        List<DatagramIo> ios = new ArrayList<>();
        try {
            InetSocketAddress bindTo = bindAddress;
            for (int i = 0; i < workerCount; i++) {
                DatagramIo io = factory.open(bindTo, reusePort, socketBufferBytes, bufferSize);
                ios.add(io);
                if (i == 0) {
                    // with port 0, every other worker joins the port the first one got
                    bindTo = new InetSocketAddress(bindAddress.getAddress(), io.localAddress().getPort());
                }
            }
            for (int i = 0; i < workerCount; i++) {
                workers.add(new RelayWorker(i, this, ios.get(i), totalLegs));
            }
        } catch (IOException | RuntimeException | Error e) {
            for (RelayWorker w : workers) {
                w.closeUnstarted();
            }
            for (DatagramIo io : ios) {
                io.close(); // each opened transport holds a socket and a selector: nothing may leak
            }
            workers.clear();
            throw e;
        }
        for (RelayWorker w : workers) {
            w.start(handlerFactory, name + "-" + w.index());
        }
        transportInUse = factory.describe();
        LOG.info("{} listening on udp {} with {} worker(s){}, transport {}", name, localAddress(), workerCount,
                reusePort && workerCount > 1 ? " (SO_REUSEPORT)" : "", selection.describe(transport));
        return this;
    }

    /** The transport running ({@code nio} or {@code mmsg}), or null before {@link #start()}. */
    public String transportInUse() {
        return transportInUse;
    }

    /** The bound address (with the real port when 0 was asked). */
    public InetSocketAddress localAddress() {
        if (workers.isEmpty()) {
            throw new IllegalStateException("not started");
        }
        return workers.get(0).localAddress();
    }

    /** The workers (fixed after {@link #start()}). */
    public List<RelayWorker> workers() {
        return List.copyOf(workers);
    }

    /**
     * Workers running now. Below {@link #workers()}{@code .size()} after a worker died (see
     * {@link #workersDied()}); health endpoints report the relay unhealthy then.
     */
    public int workersAlive() {
        int n = 0;
        for (RelayWorker w : workers) {
            if (w.isAlive()) {
                n++;
            }
        }
        return n;
    }

    /** Workers that died of an unexpected error since start (each logged at ERROR once). */
    public int workersDied() {
        return workersDied.get();
    }

    void workerDied() {
        workersDied.incrementAndGet();
    }

    /** Legs open right now, over all workers. */
    public int openLegs() {
        return totalLegs.get();
    }

    /** A snapshot of the engine's counters (values read racily from the workers). */
    public RelayStats stats() {
        long in = 0;
        long out = 0;
        Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
        for (RelayWorker w : workers) {
            in += w.packetsIn();
            out += w.packetsOut();
            for (DropReason r : DropReason.values()) {
                drops.merge(r, w.drops(r), Long::sum);
            }
        }
        return new RelayStats(in, out, totalLegs.get(), drops);
    }

    /** How a worker's selector is opened (NIO transport). */
    @FunctionalInterface
    interface SelectorOpener {
        Selector open() throws IOException;
    }

    Selector openSelector() throws IOException {
        return selectorOpener.open();
    }

    int socketBufferBytes() {
        return socketBufferBytes;
    }

    long tickNanos() {
        return tickNanos;
    }

    long idleScanNanos() {
        return Math.max(tickNanos, Math.min(legIdleNanos / 4, 1_000_000_000L));
    }

    long legIdleNanos() {
        return legIdleNanos;
    }

    int maxLegs() {
        return maxLegs;
    }

    LongSupplier nanoClock() {
        return nanoClock;
    }

    /** Stops every worker (handlers' {@code onClose}), closes every channel, joins every thread. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (RelayWorker w : workers) {
            w.stop();
        }
        for (RelayWorker w : workers) {
            try {
                w.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        LOG.info("{} closed", name);
    }

    /** Configures a {@link UdpRelay}; not thread-safe. */
    public static final class Builder {
        private InetSocketAddress bindAddress = new InetSocketAddress(0);
        private int workers;
        private Boolean reusePort;
        private RelayHandlerFactory handlerFactory;
        private Duration tick = Duration.ofMillis(100);
        private Duration legIdleTimeout = Duration.ofSeconds(30);
        private int maxLegs = 100_000;
        private int bufferSize = 65_536;
        private int socketBufferBytes = RelayDefaults.udpSocketBufferBytes();
        private String name = "udp-relay";
        private LongSupplier nanoClock = System::nanoTime;
        private UdpTransport transport;

        private Builder() {
        }

        /** The address and port to listen on (port 0 picks a free one). Default: all interfaces, port 0. */
        public Builder bind(InetSocketAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Worker threads; default (0) {@link RelayDefaults#udpWorkers()}. Without SO_REUSEPORT one is used. */
        public Builder workers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("workers must be >= 0");
            }
            this.workers = count;
            return this;
        }

        /** Force {@code SO_REUSEPORT} on or off; default: on where Linux supports it. */
        public Builder reusePort(boolean on) {
            this.reusePort = on;
            return this;
        }

        /** The protocol logic, one handler per worker (required). */
        public Builder handler(RelayHandlerFactory factory) {
            this.handlerFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** How often handlers' {@code onTick} runs; default 100 ms. */
        public Builder tick(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("tick must be positive");
            }
            this.tick = interval;
            return this;
        }

        /** A leg with no packet either way for this long is closed; default 30 s. */
        public Builder legIdleTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("legIdleTimeout must be positive");
            }
            this.legIdleTimeout = timeout;
            return this;
        }

        /** The most legs open at once over all workers; default 100,000. */
        public Builder maxLegs(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxLegs must be positive");
            }
            this.maxLegs = max;
            return this;
        }

        /** Largest datagram read, bytes; default 65,536 (no silent truncation). */
        public Builder bufferSize(int bytes) {
            if (bytes < 1500) {
                throw new IllegalArgumentException("bufferSize must be at least 1500");
            }
            this.bufferSize = bytes;
            return this;
        }

        /**
         * SO_RCVBUF/SO_SNDBUF of the listening and the upstream sockets; default
         * {@link RelayDefaults#udpSocketBufferBytes()}, 0 keeps the system default. Linux caps it at
         * {@code net.core.rmem_max}/{@code wmem_max} and doubles it for its bookkeeping.
         */
        public Builder socketBufferBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("socketBufferBytes must be >= 0");
            }
            this.socketBufferBytes = bytes;
            return this;
        }

        /**
         * The system calls to use; default: the system property {@value UdpTransport#PROPERTY},
         * else {@link UdpTransport#AUTO}.
         */
        public Builder transport(UdpTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Name for threads and logs; default {@code udp-relay}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The monotonic clock in nanoseconds; tests may inject one. Default {@link System#nanoTime()}. */
        public Builder nanoClock(LongSupplier clock) {
            this.nanoClock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The relay, not started yet. */
        public UdpRelay build() {
            return new UdpRelay(this);
        }
    }
}
