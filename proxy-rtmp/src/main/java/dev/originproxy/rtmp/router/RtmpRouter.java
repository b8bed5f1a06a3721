package dev.originproxy.rtmp.router;

import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.loop.OffLoop;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.tcp.TcpRelay;
import dev.originproxy.rtmp.ChunkStreamLimits;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The RTMP proxy (Adobe RTMP specification; SRS and nginx-rtmp as the origins it fronts): answers
 * each client's handshake and {@code connect} itself, learns the stream from {@code publish} or
 * {@code play} ({@code tcUrl} + stream name, the SRS stream key), places it on an origin (sticky,
 * off the event loop), opens its own RTMP connection to that origin as a client, and relays
 * messages both ways: message stream ids mapped, chunk sizes followed per direction, a large
 * chunk size towards the origin, acknowledgements per connection, timestamps kept, backpressure
 * end to end. A player that stops reading is disconnected once its bounded queue stalls for the
 * write-stall timeout; it never grows the heap.
 *
 * <p>Runs on a {@link TcpRelay} (a few selector workers, no thread per connection); the session
 * lifecycle hears of every session that reached its origin placement: {@code onStart} (may
 * refuse: the client gets {@code NetStream.Publish.BadName} or {@code NetStream.Play.Failed}) and
 * exactly one {@code onEnd} with counters.
 *
 * <p>Thread-safe: build, {@link #start()}, then views and {@link #close()} from any thread.
 */
public final class RtmpRouter implements AutoCloseable {
    private final RtmpRouterContext ctx;
    private final TcpRelay relay;
    private final boolean ownOffLoop;

    private RtmpRouter(Builder b) {
        this.ownOffLoop = b.offLoop == null;
        OffLoop offLoop = ownOffLoop
                ? OffLoop.builder().name(b.name + "-placement").threads(2).maxQueued(b.maxPendingPlacements).build()
                : b.offLoop;
        byte[] prefix = new byte[4];
        new SecureRandom().nextBytes(prefix);
        String idPrefix = "rtmp-" + Integer.toUnsignedString(java.nio.ByteBuffer.wrap(prefix).getInt(), 36) + "-";
        this.ctx = new RtmpRouterContext(b, offLoop, idPrefix);
        this.relay = TcpRelay.builder()
                .bind(b.bindAddress)
                .workers(b.workers)
                .handler(c -> new RtmpSession(ctx, ctx.tools(c.worker()), c))
                .maxConnections(b.maxConnections)
                .maxBufferedBytes(b.maxBufferedBytes)
                .writeHighWater(b.writeHighWater)
                .connectTimeout(b.originConnectTimeout)
                .idleTimeout(b.idleTimeout)
                .writeStallTimeout(b.writeStallTimeout)
                .name(b.name)
                .nanoClock(b.nanoClock)
                .build();
    }

    /** A builder; {@link Builder#placement} (or {@link Builder#balancer}) and {@link Builder#lifecycle} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Listens and starts the workers.
     *
     * @throws IOException when the port cannot be bound
     */
    public RtmpRouter start() throws IOException {
        try {
            relay.start();
        } catch (IOException | RuntimeException e) {
            if (ownOffLoop) {
                ctx.offLoop.close();
            }
            throw e;
        }
        return this;
    }

    /** The bound address (with the real port when 0 was asked). */
    public InetSocketAddress localAddress() {
        return relay.localAddress();
    }

    /** Sessions live now (placing, connecting or relaying). */
    public int sessionCount() {
        return ctx.sessionCount.get();
    }

    /** Snapshots of the live sessions. */
    public List<RtmpSessionView> sessions() {
        List<RtmpSessionView> out = new ArrayList<>();
        for (RtmpSession s : ctx.sessions.values()) {
            out.add(s.view());
        }
        return out;
    }

    /**
     * Ends a live session (its connections are closed on their worker, the lifecycle hears
     * {@code reason}).
     *
     * @return false when no session has that id
     */
    public boolean endSession(String sessionId, EndReason reason) {
        RtmpSession s = ctx.sessions.get(sessionId);
        if (s == null) {
            return false;
        }
        return s.client.worker().submit(() -> s.end(reason));
    }

    /** A snapshot of the counters. */
    public RtmpRouterStats stats() {
        Map<RtmpDropReason, Long> drops = new EnumMap<>(RtmpDropReason.class);
        for (RtmpDropReason r : RtmpDropReason.values()) {
            drops.put(r, ctx.drops.get(r.ordinal()));
        }
        return new RtmpRouterStats(ctx.sessionCount.get(), ctx.sessionsStarted.get(), ctx.messagesFromClients.get(),
                ctx.messagesFromOrigins.get(), drops, relay.stats());
    }

    /** Workers started (fixed after {@link #start()}). */
    public int workerCount() {
        return relay.workers().size();
    }

    /** Workers still running (fewer than configured once one died). */
    public int workersAlive() {
        return relay.workersAlive();
    }

    /** Closes every connection (sessions end with {@code PROXY_SHUTDOWN}) and the port. */
    @Override
    public void close() {
        relay.close();
        if (ownOffLoop) {
            ctx.offLoop.close();
        }
    }

    /** Configures an {@link RtmpRouter}; not thread-safe. */
    public static final class Builder {
        InetSocketAddress bindAddress = new InetSocketAddress(1935);
        int workers;
        StreamPlacement placement;
        SessionLifecycle lifecycle;
        OffLoop offLoop;
        int maxPendingPlacements = 1024;
        ChunkStreamLimits limits = ChunkStreamLimits.defaults();
        Duration setupTimeout = Duration.ofSeconds(10);
        Duration originSetupTimeout = Duration.ofSeconds(10);
        Duration originConnectTimeout = Duration.ofSeconds(3);
        Duration idleTimeout = Duration.ofSeconds(30);
        Duration writeStallTimeout = Duration.ofSeconds(10);
        int clientChunkSize = 4096;
        int originChunkSize = 60_000;
        int windowAckSize = 2_500_000;
        int maxSessions = 10_000;
        int maxConnections = 20_000;
        long maxBufferedBytes = 12L << 20;
        long writeHighWater = 1L << 20;
        OriginHealth originHealth;
        String name = "rtmp-router";
        LongSupplier nanoClock = System::nanoTime;

        private Builder() {
        }

        /** Address and port to listen on; default all interfaces, port 1935 (0 picks a free one). */
        public Builder bind(InetSocketAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Event-loop workers; default one per processor. */
        public Builder workers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("workers must be >= 0");
            }
            this.workers = count;
            return this;
        }

        /** Uses the balancer's placement role. */
        public Builder balancer(OriginLoadBalancer balancer) {
            return placement(balancer.placement());
        }

        /** Where streams go (sticky); required. */
        public Builder placement(StreamPlacement placement) {
            this.placement = Objects.requireNonNull(placement, "placement");
            return this;
        }

        /** Session start/end events (onStart may refuse); required. */
        public Builder lifecycle(SessionLifecycle lifecycle) {
            this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
            return this;
        }

        /** The helper placement and {@code onStart} run on; default a private one (2 threads). */
        public Builder offLoop(OffLoop offLoop) {
            this.offLoop = Objects.requireNonNull(offLoop, "offLoop");
            return this;
        }

        /** Placements that may wait for the private off-loop helper; default 1,024. */
        public Builder maxPendingPlacements(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxPendingPlacements must be positive");
            }
            this.maxPendingPlacements = max;
            return this;
        }

        /** Bounds on what one peer can make a connection's chunk decoder hold; default {@link ChunkStreamLimits#defaults()}. */
        public Builder chunkLimits(ChunkStreamLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** From accept to {@code publish}/{@code play}: handshake, connect, commands; default 10 s. */
        public Builder setupTimeout(Duration timeout) {
            this.setupTimeout = positive(timeout, "setupTimeout");
            return this;
        }

        /** From connecting to the origin to its Publish.Start/Play.Start; default 10 s. */
        public Builder originSetupTimeout(Duration timeout) {
            this.originSetupTimeout = positive(timeout, "originSetupTimeout");
            return this;
        }

        /** TCP connect deadline towards an origin; default 3 s. */
        public Builder originConnectTimeout(Duration timeout) {
            this.originConnectTimeout = positive(timeout, "originConnectTimeout");
            return this;
        }

        /** A connection with no byte either way for this long is closed; default 30 s. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /** A peer whose queued bytes make no progress for this long is disconnected; default 10 s. */
        public Builder writeStallTimeout(Duration timeout) {
            this.writeStallTimeout = positive(timeout, "writeStallTimeout");
            return this;
        }

        /** Chunk size of what the router writes to clients; default 4096. */
        public Builder clientChunkSize(int size) {
            this.clientChunkSize = chunkSize(size);
            return this;
        }

        /** Chunk size of what the router writes to origins; default 60,000. */
        public Builder originChunkSize(int size) {
            this.originChunkSize = chunkSize(size);
            return this;
        }

        /** Most live sessions; more get an error status; default 10,000. */
        public Builder maxSessions(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxSessions must be positive");
            }
            this.maxSessions = max;
            return this;
        }

        /** Most client connections open at once (sessions and connections still in setup); default 20,000. */
        public Builder maxConnections(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxConnections must be positive");
            }
            this.maxConnections = max;
            return this;
        }

        /**
         * Bytes queued towards one peer before it is disconnected, and the mark above which its
         * source stops being read; defaults 12 MiB (room for one message of the chunk limits'
         * maximum above the mark) and 1 MiB.
         */
        public Builder bufferLimits(long maxBufferedBytes, long writeHighWater) {
            if (writeHighWater <= 0 || maxBufferedBytes < writeHighWater) {
                throw new IllegalArgumentException("need 0 < writeHighWater <= maxBufferedBytes");
            }
            this.maxBufferedBytes = maxBufferedBytes;
            this.writeHighWater = writeHighWater;
            return this;
        }

        /**
         * Origin suspicion: an origin whose RTMP port refuses the connection or does not answer
         * in time (or breaks its handshake) is reported suspect, and a session whose connect
         * failed is placed once more, on a live origin, without asking {@code onStart} again (a
         * dead origin costs the client a second, not its publish). Default none.
         */
        public Builder originHealth(OriginHealth health) {
            this.originHealth = Objects.requireNonNull(health, "health");
            return this;
        }

        /** Name of threads and logs; default {@code rtmp-router}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The monotonic clock in nanoseconds; default {@link System#nanoTime()}. */
        public Builder nanoClock(LongSupplier clock) {
            this.nanoClock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The router, not started. */
        public RtmpRouter build() {
            Objects.requireNonNull(placement, "placement");
            Objects.requireNonNull(lifecycle, "lifecycle");
            if (maxBufferedBytes < (long) limits.maxMessageSize() + writeHighWater) {
                throw new IllegalArgumentException("maxBufferedBytes must hold the largest message above writeHighWater");
            }
            return new RtmpRouter(this);
        }

        private static int chunkSize(int size) {
            if (size < 128 || size > 0xFFFFFF) {
                throw new IllegalArgumentException("chunk size must be 128..16777215");
            }
            return size;
        }

        private static Duration positive(Duration d, String what) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return d;
        }
    }
}
