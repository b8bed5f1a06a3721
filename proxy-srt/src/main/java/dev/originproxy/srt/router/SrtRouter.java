package dev.originproxy.srt.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.loop.OffLoop;
import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.UdpRelay;
import dev.originproxy.core.relay.UdpRelayGroup;
import dev.originproxy.core.relay.api.UdpTransport;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.SrtRejectCodes;
import dev.originproxy.srt.SrtRejectReason;
import dev.originproxy.srt.SrtStreamId;
import dev.originproxy.srt.SrtSynCookie;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The SRT data plane: a stateless proxy tier between SRT callers (publishers and players) and
 * the SRT listeners of origin servers, on one UDP port, for the caller-listener handshake of
 * {@code draft-sharabayko-srt} §4.3.1.
 *
 * <p><b>Handshake.</b>
 * <ol>
 *   <li>A caller's INDUCTION (§4.3.1.1) is answered at once by the proxy (version 5, the SRT
 *       magic code {@code 0x4A17}, a SYN cookie from {@link SrtSynCookie}); nothing is stored.
 *       Proxies of a fleet that share the cookie secret verify each other's cookies.</li>
 *   <li>The caller's CONCLUSION (§4.3.1.2) must carry a cookie this proxy (or a fleet member)
 *       issued to that address; otherwise it is dropped and counted
 *       {@link DropReason#UNAUTHENTICATED}, as libsrt drops it. Its stream id (SID extension)
 *       names the stream ({@link SrtStreamId}); off the event loop (the router's {@link OffLoop}:
 *       the balancer may block, the origin's address may need DNS, the host's callback may do
 *       I/O) the origin is picked and the host's {@link SessionLifecycle} is asked
 *       ({@code onStart}, which already sees the origin); a refusal answers the caller with the
 *       rejection {@link SrtRejectCodes#FORBIDDEN} (handshake type 2403).</li>
 *   <li>The router opens one leg per session (a connected upstream socket, stable for the whole
 *       session, because libsrt drops packets for a connected socket from any other address),
 *       sends the origin an INDUCTION synthesised from the caller's fields, replays the caller's
 *       CONCLUSION under the <em>origin's</em> cookie, and forwards the origin's answer
 *       (acceptance or rejection) to the caller with the caller's cookie restored. The proxy's
 *       packets to the origin are retransmitted every {@link Builder#retransmitInterval}; when
 *       the origin has not finished by {@link Builder#handshakeTimeout} the caller is answered
 *       with the rejection {@link SrtRejectReason#TIMEOUT} and the session is dropped. All of this
 *       is a non-blocking state machine on the worker: a slow origin never delays another
 *       caller.</li>
 *   <li>A CONCLUSION the caller retransmits is answered from the cached origin answer: no second
 *       leg, placement or {@code onStart}. While the origin has not answered yet, it is dropped
 *       ({@link DropReason#PENDING}); the caller retransmits.</li>
 * </ol>
 *
 * <p><b>Relay.</b> Once established, every datagram from the caller's address goes to the origin
 * unchanged and every datagram from the origin goes to the caller unchanged (socket ids in the
 * headers already match: the caller addresses the origin's socket id and vice versa). This path
 * allocates nothing. A SHUTDOWN (§3.2.7) from either side is relayed and ends the session; so do
 * the idle timeout, an origin rejection, the handshake deadline, {@link #endSession} and
 * {@link #close()}. A SHUTDOWN counts only when addressed to the session's socket id (the
 * origin's from the caller, the caller's from the origin); others are dropped and counted.
 * A new CONCLUSION from the same address with a new socket id ends the previous session and
 * cancels its placement if still pending. Each end closes the leg's socket, removes the session from every map and
 * reports {@code onEnd} exactly once for a session {@code onStart} accepted.
 *
 * <p>Rendezvous (WAVEAHAND, §4.3.2) is not supported: such packets are dropped and counted
 * {@link DropReason#UNSUPPORTED}. Bad input is counted and dropped; it never throws out of a worker.
 *
 * <p><b>Threading.</b> Thread-safe. Packet work runs on the relay's event-loop workers, each
 * owning its sessions; placement runs on the {@link OffLoop}; views and {@link #close()} may be
 * called from any thread.
 */
public final class SrtRouter implements AutoCloseable {
    private final SrtRouterContext ctx;
    private final UdpRelayGroup relay;
    private final boolean ownOffLoop;

    private SrtRouter(Builder b) {
        byte[] secret = b.cookieSecret;
        if (secret == null) {
            secret = new byte[32];
            new SecureRandom().nextBytes(secret);
        }
        SrtSynCookie.builder().secret(secret); // validates the length now rather than on a worker
        this.ownOffLoop = b.offLoop == null;
        OffLoop offLoop = ownOffLoop
                ? OffLoop.builder().name(b.name + "-placement").threads(2).maxQueued(b.maxPendingPlacements).build()
                : b.offLoop;
        this.ctx = new SrtRouterContext(Objects.requireNonNull(b.placement, "placement (or balancer) is required"),
                b.lifecycle == null ? new SessionLifecycle() : b.lifecycle, secret, b.handshakeTimeout.toNanos(),
                b.retransmitInterval.toNanos(), b.maxSessions, b.advertisedKeyLength, b.defaultStream,
                b.defaultDirection, b.nanoClock, offLoop, b.originHealth, b.originGoneAfter.toNanos());
        long tickMillis = Math.max(10, Math.min(100, b.retransmitInterval.toMillis() / 4));
        this.relay = new UdpRelayGroup(b.binds(), address -> UdpRelay.builder()
                .bind(address)
                .workers(b.workers)
                .socketBufferBytes(b.socketBufferBytes)
                .transport(b.transport)
                .name(b.name)
                .legIdleTimeout(b.idleTimeout)
                .tick(Duration.ofMillis(tickMillis))
                .maxLegs(b.maxSessions)
                .nanoClock(b.nanoClock)
                .handler(worker -> new SrtWorkerHandler(ctx, worker))
                .build());
    }

    /** A builder; {@link Builder#placement} or {@link Builder#balancer} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the UDP port and starts the workers.
     *
     * @throws IOException when the port cannot be bound; nothing is left running
     */
    public SrtRouter start() throws IOException {
        try {
            relay.start();
        } catch (IOException | RuntimeException e) {
            shutdownOffLoop();
            throw e;
        }
        return this;
    }

    /** The UDP address callers connect to. */
    public InetSocketAddress localAddress() {
        return relay.localAddress();
    }

    /** Sessions handshaking or established now. */
    public int sessionCount() {
        return ctx.sessions.size();
    }

    /** Legs (upstream sockets) open now; 0 once every session ended. */
    public int openLegs() {
        return relay.openLegs();
    }

    /** Workers running now (below the configured count after a worker died). */
    public int workersAlive() {
        return relay.workersAlive();
    }

    /** A snapshot of the router's counters. */
    public SrtRouterStats stats() {
        return ctx.stats(relay.stats());
    }

    /** A snapshot of the sessions, for admin views and metrics. */
    public List<SrtSessionView> sessions() {
        List<SrtSessionView> out = new ArrayList<>();
        for (SrtSession s : ctx.sessions.values()) {
            out.add(s.view());
        }
        return out;
    }

    /**
     * Ends a session (an admin kick): closes its leg and reports {@code onEnd} with
     * {@code reason}. The caller learns of it by its own timeout. Runs on the session's worker
     * soon; returns false when no such session is live.
     */
    public boolean endSession(String sessionId, EndReason reason) {
        Objects.requireNonNull(reason, "reason");
        SrtSession s = ctx.sessions.get(sessionId);
        if (s == null) {
            return false;
        }
        s.owner.worker.execute(() -> s.owner.end(s, reason));
        return true;
    }

    /**
     * Stops: every session ends with {@link EndReason#PROXY_SHUTDOWN}, every socket is closed and
     * every thread joined (the off-loop helper too when the router made it). Idempotent.
     */
    @Override
    public void close() {
        ctx.closing = true;
        relay.close();
        shutdownOffLoop();
    }

    private void shutdownOffLoop() {
        if (ownOffLoop) {
            ctx.offLoop.close();
        }
    }

    /** Configures an {@link SrtRouter}; not thread-safe. */
    public static final class Builder {
        private final List<InetSocketAddress> alsoBind = new ArrayList<>();
        private InetSocketAddress bind = new InetSocketAddress(10080);
        private int workers;
        private int socketBufferBytes = dev.originproxy.core.relay.api.RelayDefaults.udpSocketBufferBytes();
        private UdpTransport transport = UdpTransport.fromSystemProperty();
        private StreamPlacement placement;
        private SessionLifecycle lifecycle;
        private byte[] cookieSecret;
        private Duration handshakeTimeout = Duration.ofSeconds(3);
        private Duration retransmitInterval = Duration.ofMillis(250);
        private Duration idleTimeout = Duration.ofSeconds(10);
        private int maxSessions = 10_000;
        private OffLoop offLoop;
        private OriginHealth originHealth;
        private Duration originGoneAfter = Duration.ofSeconds(2);
        private int maxPendingPlacements = 1_024;
        private StreamKey defaultStream;
        private Direction defaultDirection = Direction.PUBLISH;
        private int advertisedKeyLength;
        private String name = "srt-router";
        private LongSupplier nanoClock = System::nanoTime;

        private Builder() {
        }

        /**
         * The UDP address callers connect to; default all interfaces, port 10080 (SRS's SRT
         * port). Port 0 picks a free one; {@code [::]} serves IPv4 and IPv6 callers.
         */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * More addresses to listen on, on the same port as {@link #bind} (multi-homed hosts): one
         * socket per address, and replies to a client leave from the address it sent to, as ICE
         * and libsrt require. Give the host's advertised addresses; {@link #bind} should then be
         * a specific address too, not the wildcard.
         */
        public Builder alsoBind(InetSocketAddress address) {
            this.alsoBind.add(Objects.requireNonNull(address, "address"));
            return this;
        }

        List<InetSocketAddress> binds() {
            List<InetSocketAddress> all = new ArrayList<>();
            all.add(bind);
            all.addAll(alsoBind);
            return all;
        }

        /** Event-loop workers; default {@code RelayDefaults.udpWorkers()} (one without SO_REUSEPORT). */
        public Builder workers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("workers must be >= 0");
            }
            this.workers = count;
            return this;
        }

        /**
         * SO_RCVBUF/SO_SNDBUF of the UDP sockets (listening and upstream), bytes; default
         * {@code RelayDefaults.udpSocketBufferBytes()} (1 MiB), 0 keeps the system default. See
         * {@code UdpRelay.Builder#socketBufferBytes}.
         */
        public Builder socketBufferBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("socketBufferBytes must be >= 0");
            }
            this.socketBufferBytes = bytes;
            return this;
        }

        /** The UDP system calls (NIO or batched); default {@code UdpTransport.fromSystemProperty()}. */
        public Builder transport(UdpTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Picks the origin of each stream through the balancer's {@code placement()}. */
        public Builder balancer(OriginLoadBalancer balancer) {
            return placement(Objects.requireNonNull(balancer, "balancer").placement());
        }

        /** Picks the origin of each stream; required unless {@link #balancer} is given. */
        public Builder placement(StreamPlacement placement) {
            this.placement = Objects.requireNonNull(placement, "placement");
            return this;
        }

        /** The lifecycle registry the host listens on; default a private one. */
        public Builder lifecycle(SessionLifecycle lifecycle) {
            this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
            return this;
        }

        /**
         * The SYN cookie secret (copied, at least {@link SrtSynCookie#MIN_SECRET_LENGTH} bytes).
         * Give every proxy of a fleet the same one, so a CONCLUSION may reach another instance
         * than the INDUCTION did. Default: random, private to this router.
         */
        public Builder cookieSecret(byte[] secret) {
            Objects.requireNonNull(secret, "secret");
            if (secret.length < SrtSynCookie.MIN_SECRET_LENGTH) {
                throw new IllegalArgumentException(
                        "cookie secret must be at least " + SrtSynCookie.MIN_SECRET_LENGTH + " bytes");
            }
            this.cookieSecret = secret.clone();
            return this;
        }

        /**
         * How long the origin may take to finish the handshake before the caller is rejected
         * with {@link SrtRejectReason#TIMEOUT}; default 3 s (a libsrt caller gives up after
         * about 3 s).
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout, "handshakeTimeout");
            return this;
        }

        /** How often the proxy's unanswered handshake packets to the origin are sent again; default 250 ms. */
        public Builder retransmitInterval(Duration interval) {
            this.retransmitInterval = positive(interval, "retransmitInterval");
            return this;
        }

        /** A session with no packet either way for this long ends; default 10 s. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /** Most sessions at once; beyond it callers are rejected with BACKLOG. Default 10,000. */
        public Builder maxSessions(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxSessions must be positive");
            }
            this.maxSessions = max;
            return this;
        }

        /**
         * Runs placement (balancer calls, name resolution, {@code onStart}) off the event loop;
         * default a private one of two threads. A shared one is not closed by {@link SrtRouter#close()}.
         */
        public Builder offLoop(OffLoop offLoop) {
            this.offLoop = Objects.requireNonNull(offLoop, "offLoop");
            return this;
        }

        /**
         * Origin suspicion: the router reports ICMP port unreachable on an origin's socket and
         * SRT handshake timeouts; a handshake whose origin refuses datagrams is placed once more
         * (on a live origin); an established session whose origin is suspect and silent for
         * {@link #originGoneAfter} ends with {@code ORIGIN_GONE}, and its caller gets a SHUTDOWN.
         * Default none.
         */
        public Builder originHealth(OriginHealth health) {
            this.originHealth = Objects.requireNonNull(health, "health");
            return this;
        }

        /** How long a suspect origin may stay silent before its sessions end; default 2 s. */
        public Builder originGoneAfter(Duration grace) {
            this.originGoneAfter = positive(grace, "originGoneAfter");
            return this;
        }

        /**
         * Most placements waiting for the private {@link OffLoop}; beyond it callers are rejected
         * with {@link SrtRejectCodes#DOWN}. Default 1,024.
         */
        public Builder maxPendingPlacements(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxPendingPlacements must be positive");
            }
            this.maxPendingPlacements = max;
            return this;
        }

        /**
         * Serves callers that send no stream id (or an empty one) as this stream and direction.
         * Default: such callers are rejected with {@link SrtRejectCodes#BAD_REQUEST} (1400).
         */
        public Builder defaultStream(StreamKey stream, Direction direction) {
            this.defaultStream = Objects.requireNonNull(stream, "stream");
            this.defaultDirection = Objects.requireNonNull(direction, "direction");
            return this;
        }

        /**
         * The key length (0, 16, 24 or 32 bytes) the proxy's INDUCTION answer advertises in its
         * encryption field, as a listener with {@code pbkeylen} set would; default 0 (the
         * caller uses its own). Encryption itself passes through between caller and origin.
         */
        public Builder advertisedKeyLength(int keyLength) {
            if (SrtHandshake.encryptionFieldOfKeyLength(keyLength) < 0) {
                throw new IllegalArgumentException("key length must be 0, 16, 24 or 32: " + keyLength);
            }
            this.advertisedKeyLength = keyLength;
            return this;
        }

        /** Name for threads and logs; default {@code srt-router}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The monotonic clock in nanoseconds; tests may inject one. */
        public Builder nanoClock(LongSupplier clock) {
            this.nanoClock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return d;
        }

        /** The router, not started. */
        public SrtRouter build() {
            return new SrtRouter(this);
        }
    }
}
