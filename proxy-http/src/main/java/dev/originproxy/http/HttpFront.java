package dev.originproxy.http;

import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.loop.OffLoop;
import dev.originproxy.core.loop.DaemonThreads;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.tcp.TcpRelay;
import dev.originproxy.core.tcp.TcpWorker;
import dev.originproxy.http.internal.FrontContext;
import dev.originproxy.http.internal.FrontSettings;
import dev.originproxy.http.internal.FrontStats;
import dev.originproxy.http.internal.HttpConnections;
import dev.originproxy.http.internal.HttpDispatcher;
import dev.originproxy.http.internal.HttpHandler;
import dev.originproxy.http.internal.HttpRequestHead;
import dev.originproxy.http.internal.StaticFilesHandler;
import dev.originproxy.http.internal.StreamHandler;
import dev.originproxy.http.internal.hls.HlsHandler;
import dev.originproxy.http.internal.hls.HlsStats;
import dev.originproxy.http.internal.hls.HlsViewers;
import dev.originproxy.http.internal.hls.PlaylistFetcher;
import dev.originproxy.http.internal.hls.PlaylistRewriter;

import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP streaming front ({@code PROXY_HTTP_SERVER}, SRS's port 18080): HTTP-FLV
 * ({@code /live/livestream.flv}) and HTTP-TS ({@code .ts}) streamed from the stream's origin,
 * HLS, and an optional directory of static files, behind a strict HTTP/1.1 server on the core
 * TCP engine. No thread per viewer: a few event-loop workers carry every connection.
 *
 * <pre>{@code
 * HttpFront front = HttpFront.builder()
 *         .bind(new InetSocketAddress(18080))
 *         .balancer(balancer)
 *         .lifecycle(lifecycle)
 *         .staticFiles(Path.of("players"))
 *         .build()
 *         .start();
 * }</pre>
 *
 * <p>Requests: GET and HEAD (405 for other methods), OPTIONS answered as SRS does
 * ({@code Access-Control-Allow-Origin: *} on every response). Bounds: request line (414), head
 * size and field count (431), head time (408 and close), keep-alive idle time; request smuggling
 * vectors get 400 (see {@code HttpRequestHead}). A viewer is a session of the shared
 * {@link SessionLifecycle} ({@code onStart} may refuse: 403).
 *
 * <p>HLS: playlists are fetched from the stream's origin and rewritten so every URI carries a
 * session id kept in the balancer's {@code hlsSessions()} store (with the Redis balancer any
 * proxy of the fleet resolves it); segments, parts, init segments and keys carrying the id are
 * relayed from that origin, an unknown id gets 404. Each session id is an HLS viewer of the
 * lifecycle ({@code SessionProtocol.HLS}), ended after {@link Builder#hlsViewerIdle} without a
 * request. See {@link #hlsStats()}.
 *
 * <p>Threading: {@link #start()} and {@link #close()} from any thread, once each; the rest is
 * thread-safe.
 */
public final class HttpFront implements AutoCloseable {
    private final Builder config;
    private final FrontStats stats = new FrontStats();
    private final StreamHandler streams;
    private final OffLoop offLoop;
    private final boolean ownsOffLoop;
    private final TcpRelay engine;
    private final ScheduledExecutorService timer;
    private final FrontContext ctx;
    private final HlsStats hlsStats = new HlsStats();
    private final HlsViewers hlsViewers;
    /** Ends idle HLS viewers; its own thread, because ending runs host listeners. */
    private final ScheduledExecutorService hlsSweeper;

    private HttpFront(Builder b) throws IOException {
        this.config = b;
        this.ownsOffLoop = b.offLoop == null;
        this.offLoop = b.offLoop != null ? b.offLoop
                : OffLoop.builder().name("http-front-offloop").threads(4).maxQueued(4_096).build();
        this.streams = new StreamHandler(b.balancer.placement(), b.lifecycle, b.clock);
        List<HttpHandler> handlers = new ArrayList<>();
        // HLS (playlists, segments with a session id) is asked before FLV/TS: a .ts segment of
        // an HLS session is not an HTTP-TS stream.
        this.hlsViewers = new HlsViewers(b.lifecycle, b.hlsViewerIdle, b.maxHlsViewers, b.clock);
        handlers.add(new HlsHandler(b.balancer.placement(), b.balancer.registry(), b.balancer.hlsSessions(),
                hlsViewers, new PlaylistFetcher(b.originConnectTimeout, b.originResponseTimeout, b.maxPlaylistBytes),
                hlsStats));
        handlers.add(streams);
        if (b.staticFiles != null) {
            handlers.add(new StaticFilesHandler(b.staticFiles));
        }
        FrontSettings settings = new FrontSettings(HttpRequestHead.DEFAULT_MAX_REQUEST_LINE, b.maxHeadBytes,
                HttpRequestHead.DEFAULT_MAX_HEADERS, b.headTimeout.toNanos(), b.keepAliveTimeout.toNanos(),
                b.originResponseTimeout.toNanos(), b.originConnectTimeout.toNanos(), 16 * 1024);
        FrontContext ctx = new FrontContext(settings, new HttpDispatcher(handlers), stats, offLoop);
        this.engine = TcpRelay.builder()
                .name("http-front")
                .bind(b.bind)
                .workers(b.workers)
                .maxConnections(b.maxConnections)
                .maxBufferedBytes(b.maxBufferedBytes)
                .writeHighWater(b.maxBufferedBytes / 4)
                .writeStallTimeout(b.writeStallTimeout)
                .connectTimeout(b.originConnectTimeout)
                .idleTimeout(b.idleTimeout)
                .handler(HttpConnections.factory(ctx))
                .build();
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("http-front-timer"));
        this.hlsSweeper = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("http-front-hls-viewers"));
        this.ctx = ctx;
    }

    /** A builder; {@link Builder#balancer} and {@link Builder#lifecycle} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts the workers.
     *
     * @throws IOException when the port cannot be bound (nothing is left open)
     */
    public HttpFront start() throws IOException {
        try {
            engine.start();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        long period = Math.max(50, Math.min(250, config.headTimeout.toMillis() / 4));
        timer.scheduleAtFixedRate(() -> {
            for (TcpWorker w : engine.workers()) {
                w.execute(() -> ctx.sweep(w));
            }
        }, period, period, TimeUnit.MILLISECONDS);
        long hlsPeriod = Math.max(100, Math.min(1000, config.hlsViewerIdle.toMillis() / 4));
        hlsSweeper.scheduleWithFixedDelay(this::sweepHlsViewers, hlsPeriod, hlsPeriod, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The bound address (the real port when 0 was asked). */
    public InetSocketAddress localAddress() {
        return engine.localAddress();
    }

    /** A snapshot of the counters. */
    public HttpFrontStats stats() {
        var e = engine.stats();
        Map<String, Long> refusals = new TreeMap<>();
        stats.refusals().forEach((k, v) -> refusals.put(k.name(), v));
        Map<String, Long> relays = new TreeMap<>();
        stats.relays().forEach((k, v) -> relays.put(k.name(), v));
        return new HttpFrontStats(stats.requests(), refusals, stats.headTimeouts(), stats.responses(2),
                stats.responses(4), stats.responses(5), relays, e.openConnections(), e.bufferedBytes(), e.bytesOut());
    }

    /** A snapshot of the HLS counters. */
    public HlsFrontStats hlsStats() {
        Map<String, Long> failures = new TreeMap<>();
        for (PlaylistRewriter.Failure f : PlaylistRewriter.Failure.values()) {
            failures.put(f.name(), hlsStats.rewriteFailures(f));
        }
        return new HlsFrontStats(hlsViewers.live(), hlsViewers.started(), hlsViewers.ended(),
                hlsViewers.refusedAtLimit(), hlsStats.sessionsCreated(), hlsStats.playlistsServed(),
                hlsStats.mediaRelayed(), hlsStats.unknownSessions(), hlsStats.sessionLimitRefusals(),
                hlsStats.originErrors(), failures);
    }

    private void sweepHlsViewers() {
        try {
            hlsViewers.sweep();
        } catch (RuntimeException e) {
            // A failing listener must not cancel the schedule (and with it every later idle end).
            LoggerFactory.getLogger(HttpFront.class).warn("ending idle HLS viewers failed", e);
        }
    }

    /** Stops accepting, closes every connection, ends every viewer session once. Idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
        hlsSweeper.shutdownNow();
        engine.close();
        streams.endAll();
        hlsViewers.endAll();
        if (ownsOffLoop) {
            offLoop.close();
        }
    }

    /** Settings of an {@link HttpFront}; not thread-safe. */
    public static final class Builder {
        private InetSocketAddress bind = new InetSocketAddress(18080);
        private int workers;
        private OriginLoadBalancer balancer;
        private SessionLifecycle lifecycle;
        private OffLoop offLoop;
        private Path staticFiles;
        private Duration headTimeout = Duration.ofSeconds(10);
        private Duration keepAliveTimeout = Duration.ofSeconds(30);
        private Duration originConnectTimeout = Duration.ofSeconds(3);
        private Duration originResponseTimeout = Duration.ofSeconds(10);
        private Duration writeStallTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private long maxBufferedBytes = 1024 * 1024;
        private int maxConnections = 10_000;
        private int maxHeadBytes = HttpRequestHead.DEFAULT_MAX_HEAD;
        private Clock clock = Clock.systemUTC();
        private Duration hlsViewerIdle = Duration.ofSeconds(60);
        private int maxHlsViewers = 100_000;
        private int maxPlaylistBytes = 1024 * 1024;

        private Builder() {
        }

        /**
         * An HLS viewer (a session id) without a request for this long has ended (its lifecycle
         * session ends {@code IDLE_TIMEOUT}); default 60 s, as the default {@code hls.session.ttl}.
         */
        public Builder hlsViewerIdle(Duration idle) {
            this.hlsViewerIdle = positive(idle, "hlsViewerIdle");
            return this;
        }

        /** Most HLS viewers this front counts at once (503 beyond); default 100,000. */
        public Builder maxHlsViewers(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxHlsViewers must be positive");
            }
            this.maxHlsViewers = max;
            return this;
        }

        /** Largest playlist accepted from an origin (502 beyond); default 1 MiB. */
        public Builder maxPlaylistBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxPlaylistBytes below 1 KiB");
            }
            this.maxPlaylistBytes = bytes;
            return this;
        }

        /** Where to listen; default all interfaces, port 18080 (SRS's HTTP server port). */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Event-loop workers; default one per processor. */
        public Builder workers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("workers must not be negative");
            }
            this.workers = count;
            return this;
        }

        /** The balancer whose placement says which origin serves a stream (required). */
        public Builder balancer(OriginLoadBalancer balancer) {
            this.balancer = Objects.requireNonNull(balancer, "balancer");
            return this;
        }

        /** The lifecycle told of every viewer (required; share the host's). */
        public Builder lifecycle(SessionLifecycle lifecycle) {
            this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
            return this;
        }

        /** The helper that runs placement and host callbacks off the loop; default an own one. */
        public Builder offLoop(OffLoop helper) {
            this.offLoop = Objects.requireNonNull(helper, "helper");
            return this;
        }

        /** A directory of static files to serve (player pages); default none. */
        public Builder staticFiles(Path directory) {
            this.staticFiles = directory;
            return this;
        }

        /** A request head must arrive within this of its first byte (else 408); default 10 s. */
        public Builder headTimeout(Duration timeout) {
            this.headTimeout = positive(timeout, "headTimeout");
            return this;
        }

        /** An idle connection waiting for a request is closed after this; default 30 s. */
        public Builder keepAliveTimeout(Duration timeout) {
            this.keepAliveTimeout = positive(timeout, "keepAliveTimeout");
            return this;
        }

        /** The origin must accept the connection within this (else 504); default 3 s. */
        public Builder originConnectTimeout(Duration timeout) {
            this.originConnectTimeout = positive(timeout, "originConnectTimeout");
            return this;
        }

        /** The origin's response head must arrive within this (else 504); default 10 s. */
        public Builder originResponseTimeout(Duration timeout) {
            this.originResponseTimeout = positive(timeout, "originResponseTimeout");
            return this;
        }

        /** A viewer whose queued bytes make no progress for this long is closed; default 10 s. */
        public Builder writeStallTimeout(Duration timeout) {
            this.writeStallTimeout = positive(timeout, "writeStallTimeout");
            return this;
        }

        /** A connection with no byte either way for this long is closed; default 60 s. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /**
         * Most bytes queued for one slow viewer before it is closed; default 1 MiB (the origin is
         * no longer read once a quarter of it is queued).
         */
        public Builder maxBufferedBytes(long bytes) {
            if (bytes < 64 * 1024) {
                throw new IllegalArgumentException("maxBufferedBytes below 64 KiB");
            }
            this.maxBufferedBytes = bytes;
            return this;
        }

        /** Most client connections at once; default 10,000. */
        public Builder maxConnections(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxConnections must be positive");
            }
            this.maxConnections = max;
            return this;
        }

        /** Largest request head (431 beyond); default 16 KiB. */
        public Builder maxHeadBytes(int bytes) {
            if (bytes < HttpRequestHead.DEFAULT_MAX_REQUEST_LINE) {
                throw new IllegalArgumentException("maxHeadBytes below " + HttpRequestHead.DEFAULT_MAX_REQUEST_LINE);
            }
            this.maxHeadBytes = bytes;
            return this;
        }

        /** The clock of session start times; default UTC. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The front, not listening yet.
         *
         * @throws IOException when the static-files directory does not exist
         */
        public HttpFront build() throws IOException {
            Objects.requireNonNull(balancer, "balancer is required");
            Objects.requireNonNull(lifecycle, "lifecycle is required");
            return new HttpFront(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return d;
        }
    }
}
