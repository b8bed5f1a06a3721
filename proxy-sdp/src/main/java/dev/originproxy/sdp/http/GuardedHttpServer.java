package dev.originproxy.sdp.http;

import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.loop.DaemonThreads;
import dev.originproxy.sdp.http.internal.PendingRequest;
import dev.originproxy.sdp.http.internal.RequestHead;
import dev.originproxy.sdp.http.internal.ResponseEncoding;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A small HTTP/1.1 server (RFC 9112) for framework-neutral handlers that a hostile network
 * cannot starve: one selector thread reads every request head and body without blocking, under
 * a deadline for the head and one for the body (a slow client is answered {@code 408} and
 * closed), with a cap on connections per source address ({@code 429}) and in all; only
 * complete requests reach a handler, each route on its own bounded pool (a full pool answers
 * {@code 503} at once). So 100 slow connections cost no handler thread, and one route's load
 * (WHIP, views) cannot delay another's (origin heartbeats).
 *
 * <p>Every response closes its connection ({@code Connection: close}); request bodies need a
 * {@code Content-Length} ({@code 411} otherwise); {@code Expect: 100-continue} is honoured.
 * Why not the JDK's {@code com.sun.net.httpserver}: it reads request heads on its handler pool
 * with no read deadline, so a few slow connections hold every handler thread.
 *
 * <p>Thread-safe. {@link #close()} stops accepting, drops pending requests and stops the pools.
 */
public final class GuardedHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedHttpServer.class);
    private static final long SELECT_MILLIS = 50;
    private static final long WRITE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final String name;
    private final InetSocketAddress bind;
    private final List<Route> routes;
    private final int maxBodyBytes;
    private final int maxHeadBytes;
    private final long headTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final int maxConnections;
    private final int maxConnectionsPerSource;
    /** Open connections per source address; an entry goes when its count reaches 0. */
    private final ConcurrentHashMap<InetAddress, Integer> perSource = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong refusedConnections = new AtomicLong();
    private final AtomicLong overloaded = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private ServerSocketChannel server;
    private Selector selector;
    private Thread loop;
    private volatile boolean running;

    /** A refused connection kept a moment to read what the client still sends, so closing does not reset it. */
    private record Lingering(SocketChannel channel, long deadlineNanos) {
    }

    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_LINGERING = 1024;
    private final AtomicInteger lingering = new AtomicInteger();

    private record Route(String prefix, Function<ApiRequest, ApiResponse> handler, ThreadPoolExecutor pool) {
    }

    private GuardedHttpServer(Builder b) {
        this.name = b.name;
        this.bind = b.bind;
        this.maxBodyBytes = b.maxBodyBytes;
        this.maxHeadBytes = b.maxHeadBytes;
        this.headTimeoutNanos = b.headTimeout.toNanos();
        this.bodyTimeoutNanos = b.bodyTimeout.toNanos();
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerSource = b.maxConnectionsPerSource;
        List<Route> rs = new ArrayList<>();
        for (Builder.RouteSpec spec : b.routes) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(spec.threads(), spec.threads(), 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(spec.queue()), DaemonThreads.named(name + "-" + spec.label()));
            pool.allowCoreThreadTimeOut(true);
            rs.add(new Route(spec.prefix(), spec.handler(), pool));
        }
        rs.sort(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed());
        this.routes = List.copyOf(rs);
    }

    /** A builder for a server on {@code bind}. */
    public static Builder builder(InetSocketAddress bind) {
        return new Builder(bind);
    }

    /** Binds and starts the selector thread. */
    public synchronized void start() throws IOException {
        selector = Selector.open();
        server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(bind, 1024);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            server.close();
            selector.close();
            server = null;
            selector = null;
            throw e;
        }
        running = true;
        loop = DaemonThreads.named(name + "-selector").newThread(this::run);
        loop.start();
    }

    /** The bound address. */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("server is closed", e);
        }
    }

    /** Requests answered 408 because head or body did not arrive in time. */
    public long timedOut() {
        return timedOut.get();
    }

    /** Connections refused over the per-source or total cap. */
    public long refusedConnections() {
        return refusedConnections.get();
    }

    /** Requests answered 503 because their route's pool was full. */
    public long overloaded() {
        return overloaded.get();
    }

    /** Requests refused as malformed (4xx before any handler). */
    public long malformed() {
        return malformed.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    private void run() {
        while (running) {
            try {
                selector.select(SELECT_MILLIS);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptAll();
                    } else if (key.isReadable()) {
                        if (key.attachment() instanceof Lingering l) {
                            drain(key, l);
                        } else {
                            read(key);
                        }
                    }
                }
                selector.selectedKeys().clear();
                expire();
            } catch (IOException | RuntimeException e) {
                if (running) {
                    LOG.warn("{}: selector loop error: {}", name, e.toString());
                }
            }
        }
    }

    private void acceptAll() throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            try {
                accept(ch);
            } catch (IOException e) {
                closeQuietly(ch); // reset before we looked at it: nothing to answer
            }
        }
    }

    private void accept(SocketChannel ch) throws IOException {
        InetAddress source = ((InetSocketAddress) ch.getRemoteAddress()).getAddress();
        ch.configureBlocking(false);
        Integer held = perSource.get(source);
        if (open.get() >= maxConnections || (held != null && held >= maxConnectionsPerSource)) {
            refusedConnections.incrementAndGet();
            try {
                ch.write(ByteBuffer.wrap(ResponseEncoding.encode(ApiResponse.error(429, "too many connections"), false)));
            } catch (IOException e) {
                // the client is gone
            }
            linger(ch);
            return;
        }
        // atomic per source: releases run on handler threads
        perSource.merge(source, 1, Integer::sum);
        open.incrementAndGet();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.register(selector, SelectionKey.OP_READ,
                new PendingRequest(ch, source, maxHeadBytes, System.nanoTime() + headTimeoutNanos));
    }

    private void read(SelectionKey key) {
        PendingRequest p = (PendingRequest) key.attachment();
        try {
            switch (p.read(maxBodyBytes, bodyTimeoutNanos, System.nanoTime())) {
                case MORE:
                    return;
                case CONTINUE:
                    p.channel.write(ByteBuffer.wrap(CONTINUE));
                    return;
                case CLOSED:
                    key.cancel();
                    release(p);
                    return;
                case COMPLETE:
                default:
                    key.cancel();
                    dispatch(p);
            }
        } catch (RequestHead.Refusal r) {
            malformed.incrementAndGet();
            refuseAndLinger(key, p, r.status(), r.getMessage());
        } catch (IOException e) {
            key.cancel();
            release(p);
        }
    }

    private void expire() {
        long now = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Lingering l && now - l.deadlineNanos() >= 0) {
                key.cancel();
                closeLingering(l.channel());
                continue;
            }
            if (key.isValid() && key.attachment() instanceof PendingRequest p && now - p.deadlineNanos() >= 0) {
                timedOut.incrementAndGet();
                refuseAndLinger(key, p, 408, p.headComplete() ? "request body not received in time"
                        : "request head not received in time");
            }
        }
    }

    private void dispatch(PendingRequest p) {
        RequestHead h = p.head();
        InetSocketAddress remote;
        try {
            remote = (InetSocketAddress) p.channel.getRemoteAddress();
        } catch (IOException e) {
            release(p);
            return;
        }
        ApiRequest request = new ApiRequest(h.method(), h.path(), h.rawPath(), h.rawQuery(), h.headers(),
                p.body(), remote);
        Route route = route(h.rawPath());
        if (route == null) {
            refuse(p, 404, "no such endpoint");
            return;
        }
        try {
            route.pool().execute(() -> {
                ApiResponse response;
                try {
                    response = route.handler().apply(request);
                } catch (RuntimeException e) {
                    LOG.warn("{}: handler failed for {}", name, request, e);
                    response = ApiResponse.error(500, "internal error");
                }
                respond(p, response, request.method().equals("HEAD"));
            });
        } catch (RejectedExecutionException full) {
            overloaded.incrementAndGet();
            refuse(p, 503, "busy, try again");
        }
    }

    private Route route(String rawPath) {
        for (Route r : routes) {
            if (rawPath.startsWith(r.prefix())) {
                return r;
            }
        }
        return null;
    }

    /**
     * Answers a request that was read whole with an error from the selector thread (small: one
     * write attempt is enough) and closes.
     */
    private void refuse(PendingRequest p, int status, String reason) {
        try {
            p.channel.write(ByteBuffer.wrap(ResponseEncoding.encode(ApiResponse.error(status, reason), false)));
        } catch (IOException e) {
            // the client is gone
        }
        release(p);
    }

    /** As {@link #refuse} for a request not read whole: the connection lingers on its key. */
    private void refuseAndLinger(SelectionKey key, PendingRequest p, int status, String reason) {
        try {
            p.channel.write(ByteBuffer.wrap(ResponseEncoding.encode(ApiResponse.error(status, reason), false)));
        } catch (IOException e) {
            // the client is gone
        }
        uncount(p);
        if (lingering.get() >= MAX_LINGERING) {
            key.cancel();
            closeQuietly(p.channel);
            return;
        }
        try {
            p.channel.shutdownOutput();
            key.attach(new Lingering(p.channel, System.nanoTime() + LINGER_NANOS));
            lingering.incrementAndGet();
        } catch (IOException e) {
            key.cancel();
            closeQuietly(p.channel);
        }
    }

    /**
     * Half-closes a refused connection and reads (and drops) what the client still sends for a
     * moment before closing: closing with unread bytes would reset the connection and the
     * client might never read the refusal. Only on the selector thread; bounded in number.
     */
    private void linger(SocketChannel ch) {
        if (lingering.get() >= MAX_LINGERING) {
            closeQuietly(ch);
            return;
        }
        try {
            ch.shutdownOutput();
            ch.register(selector, SelectionKey.OP_READ, new Lingering(ch, System.nanoTime() + LINGER_NANOS));
            lingering.incrementAndGet();
        } catch (IOException e) {
            closeQuietly(ch);
        }
    }

    private void drain(SelectionKey key, Lingering l) {
        ByteBuffer sink = ByteBuffer.allocate(4096);
        try {
            for (int i = 0; i < 16; i++) {
                sink.clear();
                int n = l.channel().read(sink);
                if (n < 0) {
                    key.cancel();
                    closeLingering(l.channel());
                    return;
                }
                if (n == 0) {
                    return;
                }
            }
        } catch (IOException e) {
            key.cancel();
            closeLingering(l.channel());
        }
    }

    private void closeLingering(SocketChannel ch) {
        lingering.decrementAndGet();
        closeQuietly(ch);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Writes a response on a handler thread; gives up on a client that does not read for 5 s. */
    private void respond(PendingRequest p, ApiResponse response, boolean head) {
        ByteBuffer out = ByteBuffer.wrap(ResponseEncoding.encode(response, head));
        long deadline = System.nanoTime() + WRITE_TIMEOUT_NANOS;
        try {
            while (out.hasRemaining()) {
                if (p.channel.write(out) == 0) {
                    if (System.nanoTime() - deadline >= 0) {
                        timedOut.incrementAndGet();
                        break;
                    }
                    Thread.sleep(1);
                }
            }
        } catch (IOException e) {
            // the client is gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            release(p);
        }
    }

    private void release(PendingRequest p) {
        closeQuietly(p.channel);
        uncount(p);
    }

    private void uncount(PendingRequest p) {
        open.decrementAndGet();
        perSource.computeIfPresent(p.source, (source, n) -> n <= 1 ? null : n - 1);
    }

    @Override
    public synchronized void close() {
        running = false;
        try {
            if (selector != null) {
                selector.wakeup();
            }
            if (loop != null) {
                loop.join(1000);
            }
            if (selector != null && selector.isOpen()) {
                for (SelectionKey key : selector.keys()) {
                    if (key.attachment() instanceof PendingRequest p) {
                        release(p);
                    } else if (key.attachment() instanceof Lingering l) {
                        closeQuietly(l.channel());
                    }
                }
                selector.close();
            }
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            LOG.debug("{}: close: {}", name, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Route r : routes) {
            r.pool().shutdownNow();
        }
    }

    /** Configures a {@link GuardedHttpServer}; not thread-safe. */
    public static final class Builder {
        private final InetSocketAddress bind;
        private final List<RouteSpec> routes = new ArrayList<>();
        private String name = "http";
        private int maxBodyBytes = 64 * 1024;
        private int maxHeadBytes = 16 * 1024;
        private Duration headTimeout = Duration.ofSeconds(5);
        private Duration bodyTimeout = Duration.ofSeconds(10);
        private int maxConnections = 4096;
        private int maxConnectionsPerSource = 64;

        private record RouteSpec(String prefix, String label, Function<ApiRequest, ApiResponse> handler, int threads,
                                 int queue) {
        }

        private Builder(InetSocketAddress bind) {
            this.bind = Objects.requireNonNull(bind, "bind");
        }

        /** A name for threads and log lines; default {@code http}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Serves requests whose raw path starts with {@code prefix} (longest prefix wins) with
         * {@code handler} on a pool of its own: {@code threads} threads and a queue of
         * {@code queue} requests (then 503).
         *
         * @param label a short name for the pool's threads
         */
        public Builder route(String prefix, String label, Function<ApiRequest, ApiResponse> handler, int threads,
                             int queue) {
            if (threads <= 0 || queue <= 0) {
                throw new IllegalArgumentException("threads and queue must be positive");
            }
            routes.add(new RouteSpec(Objects.requireNonNull(prefix, "prefix"), label,
                    Objects.requireNonNull(handler, "handler"), threads, queue));
            return this;
        }

        /** Largest request body (then 413); default 64 KiB. */
        public Builder maxBodyBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxBodyBytes must not be negative");
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** How long a client may take to send the request head after connecting (then 408); default 5 s. */
        public Builder headTimeout(Duration timeout) {
            this.headTimeout = positive(timeout, "headTimeout");
            return this;
        }

        /** How long a client may take to send the body after the head (then 408); default 10 s. */
        public Builder bodyTimeout(Duration timeout) {
            this.bodyTimeout = positive(timeout, "bodyTimeout");
            return this;
        }

        /** Open connections at most (then 429); default 4096. */
        public Builder maxConnections(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxConnections must be positive");
            }
            this.maxConnections = max;
            return this;
        }

        /** Open connections from one source address at most (then 429); default 64. */
        public Builder maxConnectionsPerSource(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxConnectionsPerSource must be positive");
            }
            this.maxConnectionsPerSource = max;
            return this;
        }

        private static Duration positive(Duration d, String what) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return d;
        }

        /** The server (not started). */
        public GuardedHttpServer build() {
            if (routes.isEmpty()) {
                throw new IllegalStateException("no route");
            }
            return new GuardedHttpServer(this);
        }
    }
}
