package dev.originproxy.srt.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.relay.DaemonThreads;
import dev.originproxy.core.relay.DropReason;
import dev.originproxy.core.relay.RelayHandler;
import dev.originproxy.core.relay.RelayLeg;
import dev.originproxy.core.relay.RelayLimitException;
import dev.originproxy.core.relay.RelayWorker;
import dev.originproxy.core.relay.UdpRelay;
import dev.originproxy.core.relay.UdpTransport;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionRefusedException;
import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.SrtPacket;
import dev.originproxy.srt.SrtRejectCodes;
import dev.originproxy.srt.SrtRejectReason;
import dev.originproxy.srt.SrtStreamId;
import dev.originproxy.srt.SrtSynCookie;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 *       names the stream ({@link SrtStreamId}); the origin is picked on the router's executor
 *       (the balancer may block), then the host's {@link SessionLifecycle} is asked
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
 * {@link #close()}. Each end closes the leg's socket, removes the session from every map and
 * reports {@code onEnd} exactly once for a session {@code onStart} accepted.
 *
 * <p>Rendezvous (WAVEAHAND, §4.3.2) is not supported: such packets are dropped and counted
 * {@link DropReason#UNSUPPORTED}. Bad input is counted and dropped; it never throws out of a worker.
 *
 * <p><b>Threading.</b> Thread-safe. Packet work runs on the relay's event-loop workers, each
 * owning its sessions; balancer calls run on the executor; views and {@link #close()} may be
 * called from any thread.
 */
public final class SrtRouter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SrtRouter.class);
    private static final int OUT_BUFFER = 1500;

    private final StreamPlacement placement;
    private final SessionLifecycle lifecycle;
    private final byte[] cookieSecret;
    private final long handshakeTimeoutNanos;
    private final long retransmitNanos;
    private final int maxSessions;
    private final int advertisedKeyLength;
    private final StreamKey defaultStream;
    private final Direction defaultDirection;
    private final LongSupplier nanoClock;
    private final long epochNanos;
    private final UdpRelay relay;
    private final ExecutorService executor;
    private final boolean ownExecutor;

    private final ConcurrentHashMap<String, SrtSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger sessionCount = new AtomicInteger();
    private final AtomicLong inductionsAnswered = new AtomicLong();
    private final AtomicLong handshakesCompleted = new AtomicLong();
    private final AtomicLong handshakesRejected = new AtomicLong();
    private final AtomicLong handshakeTimeouts = new AtomicLong();
    private final AtomicLong conclusionsReplayed = new AtomicLong();
    private final AtomicLong sessionsEnded = new AtomicLong();
    private volatile boolean closing;

    private SrtRouter(Builder b) {
        this.placement = Objects.requireNonNull(b.placement, "placement (or balancer) is required");
        this.lifecycle = b.lifecycle == null ? new SessionLifecycle() : b.lifecycle;
        byte[] secret = b.cookieSecret;
        if (secret == null) {
            secret = new byte[32];
            new SecureRandom().nextBytes(secret);
        }
        this.cookieSecret = secret;
        SrtSynCookie.builder().secret(secret); // validates the length now rather than on a worker
        this.handshakeTimeoutNanos = b.handshakeTimeout.toNanos();
        this.retransmitNanos = b.retransmitInterval.toNanos();
        this.maxSessions = b.maxSessions;
        this.advertisedKeyLength = b.advertisedKeyLength;
        this.defaultStream = b.defaultStream;
        this.defaultDirection = b.defaultDirection;
        this.nanoClock = b.nanoClock;
        this.epochNanos = b.nanoClock.getAsLong();
        this.ownExecutor = b.executor == null;
        this.executor = ownExecutor ? Executors.newFixedThreadPool(2, DaemonThreads.named("srt-placement")) : b.executor;
        long tickMillis = Math.max(10, Math.min(100, b.retransmitInterval.toMillis() / 4));
        this.relay = UdpRelay.builder()
                .bind(b.bind)
                .workers(b.workers)
                .socketBufferBytes(b.socketBufferBytes)
                .transport(b.transport)
                .name(b.name)
                .legIdleTimeout(b.idleTimeout)
                .tick(Duration.ofMillis(tickMillis))
                .maxLegs(b.maxSessions)
                .nanoClock(b.nanoClock)
                .handler(WorkerHandler::new)
                .build();
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
            shutdownExecutor();
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
        return sessions.size();
    }

    /** Legs (upstream sockets) open now; 0 once every session ended. */
    public int openLegs() {
        return relay.openLegs();
    }

    /** A snapshot of the router's counters. */
    public SrtRouterStats stats() {
        return new SrtRouterStats(relay.stats(), sessions.size(), inductionsAnswered.get(),
                handshakesCompleted.get(), handshakesRejected.get(), handshakeTimeouts.get(),
                conclusionsReplayed.get(), sessionsEnded.get());
    }

    /** A snapshot of the sessions, for admin views and metrics. */
    public List<SrtSessionView> sessions() {
        List<SrtSessionView> out = new ArrayList<>();
        for (SrtSession s : sessions.values()) {
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
        SrtSession s = sessions.get(sessionId);
        if (s == null) {
            return false;
        }
        s.owner.worker.execute(() -> s.owner.end(s, reason));
        return true;
    }

    /**
     * Stops: every session ends with {@link EndReason#PROXY_SHUTDOWN}, every socket is closed and
     * every thread joined (the executor too when the router made it). Idempotent.
     */
    @Override
    public void close() {
        closing = true;
        relay.close();
        shutdownExecutor();
    }

    private void shutdownExecutor() {
        if (ownExecutor) {
            executor.shutdownNow();
        }
    }

    private int timestamp(long now) {
        return (int) ((now - epochNanos) / 1_000L);
    }

    // ---- per-worker packet handling ---------------------------------------------------------

    /** One per relay worker; every field is confined to that worker's thread. */
    final class WorkerHandler implements RelayHandler {
        final RelayWorker worker;
        private final HashMap<InetSocketAddress, SrtSession> byCaller = new HashMap<>();
        private final ArrayList<SrtSession> handshaking = new ArrayList<>();
        private final SrtPacket packet = new SrtPacket();
        private final SrtHandshake hs = new SrtHandshake();
        private final SrtHandshake scratch = new SrtHandshake();
        private final ByteBuffer out = ByteBuffer.allocate(OUT_BUFFER);
        private final SrtSynCookie cookies;

        WorkerHandler(RelayWorker worker) {
            this.worker = worker;
            this.cookies = SrtSynCookie.builder().secret(cookieSecret).build();
        }

        // ---- from callers -------------------------------------------------------------------

        @Override
        public void onClientPacket(ByteBuffer buf, InetSocketAddress from) {
            int length = buf.remaining();
            if (!packet.wrap(buf, 0, length)) {
                worker.countDrop(DropReason.MALFORMED);
                return;
            }
            SrtSession s = byCaller.get(from);
            if (s != null && s.state == SrtSessionState.ESTABLISHED) {
                // the hot path: relay unchanged, look only at the control type
                if (packet.isControl()) {
                    int type = packet.controlType();
                    if (type == SrtPacket.CONTROL_HANDSHAKE) {
                        onCallerHandshake(buf, length, from, s);
                        return;
                    }
                    if (type == SrtPacket.CONTROL_SHUTDOWN) {
                        s.leg.sendUpstream(buf);
                        end(s, EndReason.CLIENT_CLOSED);
                        return;
                    }
                }
                s.leg.sendUpstream(buf);
                return;
            }
            if (!packet.isHandshake()) {
                if (s != null && packet.isControl() && packet.controlType() == SrtPacket.CONTROL_SHUTDOWN) {
                    end(s, EndReason.CLIENT_CLOSED); // the caller gave up during the handshake
                    return;
                }
                worker.countDrop(s == null ? DropReason.UNKNOWN_SESSION : DropReason.PENDING);
                return;
            }
            onCallerHandshake(buf, length, from, s);
        }

        private void onCallerHandshake(ByteBuffer buf, int length, InetSocketAddress from, SrtSession s) {
            if (!hs.wrap(buf, 0, length)) {
                worker.countDrop(DropReason.MALFORMED);
                return;
            }
            int type = hs.handshakeType();
            if (type == SrtHandshake.TYPE_INDUCTION) {
                answerInduction(from);
            } else if (type == SrtHandshake.TYPE_CONCLUSION) {
                if (s != null && hs.srtSocketId() == s.callerSocketId) {
                    if (s.answer != null) {
                        s.answer.rewind();
                        conclusionsReplayed.incrementAndGet(); // counted first: a test may read it on receipt
                        worker.sendToClient(s.answer, from);
                    } else {
                        worker.countDrop(DropReason.PENDING); // the origin has not answered yet
                    }
                    return;
                }
                onConclusion(buf, length, from, s);
            } else if (type == SrtHandshake.TYPE_WAVEAHAND || type == SrtHandshake.TYPE_AGREEMENT) {
                worker.countDrop(DropReason.UNSUPPORTED);
            } else {
                worker.countDrop(s == null ? DropReason.UNKNOWN_SESSION : DropReason.UNSUPPORTED);
            }
        }

        /** §4.3.1.1: the listener's answer, from the proxy itself; no state. */
        private void answerInduction(InetSocketAddress from) {
            byte[] ip = from.getAddress().getAddress();
            int cookie = cookies.issue(ip, from.getPort());
            out.clear();
            int n = hs.writeInductionResponse(out, 0, out.capacity(), cookie, advertisedKeyLength, ip,
                    timestamp(worker.nanoTime()));
            if (n < 0) {
                worker.countDrop(DropReason.MALFORMED);
                return;
            }
            out.limit(n);
            inductionsAnswered.incrementAndGet();
            worker.sendToClient(out, from);
        }

        /** §4.3.1.2: a caller's first CONCLUSION from this address (or from a new socket on it). */
        private void onConclusion(ByteBuffer buf, int length, InetSocketAddress from, SrtSession previous) {
            byte[] ip = from.getAddress().getAddress();
            if (!cookies.verify(ip, from.getPort(), hs.synCookie())) {
                worker.countDrop(DropReason.UNAUTHENTICATED);
                return;
            }
            if (previous != null) {
                // a new SRT socket on the same address and port: the old one is gone
                end(previous, EndReason.CLIENT_CLOSED);
            }
            if (closing) {
                worker.countDrop(DropReason.LIMIT);
                return;
            }
            String text = hs.streamId();
            StreamKey stream;
            Direction direction;
            try {
                SrtStreamId sid = SrtStreamId.parse(text);
                if (sid.isEmpty()) {
                    if (defaultStream == null) {
                        rejectRequest(from, SrtRejectCodes.BAD_REQUEST, "no stream id");
                        return;
                    }
                    stream = defaultStream;
                    direction = defaultDirection;
                } else {
                    stream = sid.toStreamKey();
                    direction = sid.mode() == SrtStreamId.Mode.REQUEST ? Direction.PLAY : Direction.PUBLISH;
                }
            } catch (IllegalArgumentException e) { // InvalidStreamKeyException and its kin
                rejectRequest(from, SrtRejectCodes.BAD_REQUEST, e.getMessage());
                return;
            }
            if (sessionCount.incrementAndGet() > maxSessions) {
                sessionCount.decrementAndGet();
                worker.countDrop(DropReason.LIMIT);
                rejectRequest(from, SrtRejectReason.BACKLOG.code(), "session limit " + maxSessions);
                return;
            }
            byte[] copy = new byte[length];
            buf.get(0, copy);
            long now = worker.nanoTime();
            SrtSession s = new SrtSession("srt-" + UUID.randomUUID(), this, from, ip, hs.srtSocketId(),
                    hs.synCookie(), copy, text == null ? "" : text, stream, direction, now + handshakeTimeoutNanos);
            byCaller.put(from, s);
            handshaking.add(s);
            sessions.put(s.id, s);
            try {
                executor.execute(() -> place(s));
            } catch (RejectedExecutionException e) {
                fail(s, SrtRejectCodes.DOWN, "placement executor refused the task");
            }
        }

        /** Answers the CONCLUSION wrapped in {@link #hs} with a rejection; no session exists. */
        private void rejectRequest(InetSocketAddress to, int reasonCode, String why) {
            handshakesRejected.incrementAndGet();
            out.clear();
            int n = hs.writeRejection(out, 0, out.capacity(), reasonCode, hs.srtSocketId(),
                    timestamp(worker.nanoTime()));
            if (n > 0) {
                out.limit(n);
                worker.sendToClient(out, to);
            }
            LOG.info("srt conclusion from {} rejected ({}): {}", to, reasonCode, why);
        }

        // ---- placement (executor) and the origin handshake (worker) -------------------------

        /** On the executor: the balancer may block. The result continues on this worker. */
        private void place(SrtSession s) {
            OriginServer origin = null;
            InetSocketAddress address = null;
            int failure = 0;
            String why = null;
            try {
                origin = placement.pick(s.stream);
                Optional<InetSocketAddress> a = origin.address(OriginProtocol.SRT, OriginEndpoint.Transport.UDP);
                if (a.isEmpty() || a.get().isUnresolved()) {
                    failure = SrtRejectCodes.BAD_GATEWAY;
                    why = "origin " + origin.id() + " announces no usable SRT endpoint";
                } else {
                    address = a.get();
                }
            } catch (NoOriginAvailableException | BalancerUnavailableException e) {
                failure = SrtRejectCodes.DOWN;
                why = e.getMessage();
            } catch (RuntimeException e) {
                failure = SrtRejectCodes.INTERNAL_SERVER_ERROR;
                why = "placement failed: " + e;
            }
            OriginServer o = origin;
            InetSocketAddress at = address;
            int code = failure;
            String reason = why;
            worker.execute(() -> {
                if (code != 0) {
                    fail(s, code, reason);
                } else {
                    placed(s, o, at);
                }
            });
        }

        private void placed(SrtSession s, OriginServer origin, InetSocketAddress address) {
            if (s.ended) {
                return;
            }
            if (closing) {
                end(s, EndReason.PROXY_SHUTDOWN);
                return;
            }
            s.originId = origin.id();
            s.origin = address;
            try {
                lifecycle.start(new SessionInfo(s.id, SessionProtocol.SRT, s.direction, s.stream, origin.id(),
                        s.caller, s.startedAt));
            } catch (SessionRefusedException e) {
                fail(s, SrtRejectCodes.FORBIDDEN, "refused: " + e.getMessage());
                return;
            } catch (RuntimeException e) {
                fail(s, SrtRejectCodes.INTERNAL_SERVER_ERROR, "lifecycle failed: " + e);
                return;
            }
            s.started = true;
            RelayLeg leg;
            try {
                leg = worker.openLeg(s.caller, address, s);
            } catch (RelayLimitException e) {
                fail(s, SrtRejectReason.BACKLOG.code(), e.getMessage());
                return;
            } catch (IOException | RuntimeException e) {
                fail(s, SrtRejectCodes.BAD_GATEWAY, "cannot open a socket to " + address + ": " + e);
                return;
            }
            s.leg = leg;
            // The origin's INDUCTION, synthesised from the caller's CONCLUSION: what an HSv5
            // caller sends first (version 4, extension field 2, no cookie, destination 0).
            ByteBuffer induction = ByteBuffer.allocate(SrtHandshake.LENGTH);
            ByteBuffer conclusion = ByteBuffer.wrap(s.conclusion);
            if (!scratch.wrap(conclusion, 0, s.conclusion.length)) {
                fail(s, SrtRejectCodes.INTERNAL_SERVER_ERROR, "stored conclusion does not wrap");
                return;
            }
            int isn = scratch.initialSequenceNumber();
            int mtu = scratch.mtu();
            int window = scratch.flowWindow();
            scratch.initialize(induction, 0, SrtHandshake.LENGTH);
            scratch.setTimestamp(timestamp(worker.nanoTime()));
            scratch.setDestinationSocketId(0);
            scratch.setVersion(SrtHandshake.VERSION_4);
            scratch.setEncryptionField(0);
            scratch.setExtensionField(2);
            scratch.setInitialSequenceNumber(isn);
            scratch.setMtu(mtu);
            scratch.setFlowWindow(window);
            scratch.setHandshakeType(SrtHandshake.TYPE_INDUCTION);
            scratch.setSrtSocketId(s.callerSocketId);
            scratch.setSynCookie(0);
            scratch.setPeerIp(address.getAddress().getAddress());
            induction.limit(SrtHandshake.LENGTH);
            s.state = SrtSessionState.ORIGIN_INDUCTION;
            sendToOrigin(s, induction);
        }

        private void sendToOrigin(SrtSession s, ByteBuffer handshake) {
            s.toOrigin = handshake;
            handshake.rewind();
            s.leg.sendUpstream(handshake);
            s.nextRetransmitNanos = worker.nanoTime() + retransmitNanos;
        }

        // ---- from origins -------------------------------------------------------------------

        @Override
        public void onUpstreamPacket(RelayLeg leg, ByteBuffer buf) {
            SrtSession s = (SrtSession) leg.attachment();
            int length = buf.remaining();
            if (s.state == SrtSessionState.ESTABLISHED) {
                boolean shutdown = packet.wrap(buf, 0, length) && packet.isControl()
                        && packet.controlType() == SrtPacket.CONTROL_SHUTDOWN;
                leg.sendToClient(buf);
                if (shutdown) {
                    end(s, EndReason.ORIGIN_CLOSED);
                }
                return;
            }
            if (s.ended || !hs.wrap(buf, 0, length)) {
                worker.countDrop(s.ended ? DropReason.UNKNOWN_SESSION : DropReason.MALFORMED);
                return;
            }
            int type = hs.handshakeType();
            if (hs.isRejection()) {
                // forwarded as the origin wrote it, with the caller's own cookie
                ByteBuffer copy = copyOf(buf, length);
                scratch.wrap(copy, 0, length);
                scratch.setSynCookie(s.callerCookie);
                copy.rewind();
                handshakesRejected.incrementAndGet();
                LOG.info("srt session {} from {} rejected by origin {}: reason {}", s.id, s.caller, s.originId,
                        hs.rejectReasonCode());
                end(s, EndReason.ORIGIN_REJECTED); // first: nothing is left once the caller hears of it
                worker.sendToClient(copy, s.caller);
            } else if (s.state == SrtSessionState.ORIGIN_INDUCTION && type == SrtHandshake.TYPE_INDUCTION
                    && hs.synCookie() != 0) {
                int originCookie = hs.synCookie();
                ByteBuffer conclusion = ByteBuffer.allocate(s.conclusion.length);
                conclusion.put(0, s.conclusion);
                scratch.wrap(conclusion, 0, s.conclusion.length);
                scratch.setSynCookie(originCookie);
                scratch.setPeerIp(s.origin.getAddress().getAddress());
                scratch.setTimestamp(timestamp(worker.nanoTime()));
                s.state = SrtSessionState.ORIGIN_CONCLUSION;
                sendToOrigin(s, conclusion);
            } else if (s.state == SrtSessionState.ORIGIN_CONCLUSION && type == SrtHandshake.TYPE_CONCLUSION) {
                ByteBuffer answer = copyOf(buf, length);
                scratch.wrap(answer, 0, length);
                scratch.setSynCookie(s.callerCookie);
                scratch.setPeerIp(s.callerIp);
                s.answer = answer;
                s.originSocketId = hs.srtSocketId();
                s.toOrigin = null;
                s.state = SrtSessionState.ESTABLISHED;
                handshaking.remove(s);
                answer.rewind();
                handshakesCompleted.incrementAndGet();
                leg.sendToClient(answer);
                LOG.debug("srt session {} established: {} {} {} via origin {} {}", s.id, s.caller, s.direction,
                        s.stream, s.originId, s.origin);
            } else {
                worker.countDrop(DropReason.PENDING); // a late duplicate of an earlier step
            }
        }

        private ByteBuffer copyOf(ByteBuffer buf, int length) {
            ByteBuffer copy = ByteBuffer.allocate(length);
            for (int i = 0; i < length; i++) {
                copy.put(i, buf.get(i));
            }
            return copy;
        }

        // ---- time, failures, ends -----------------------------------------------------------

        @Override
        public void onTick(long now) {
            for (int i = handshaking.size() - 1; i >= 0; i--) {
                if (i >= handshaking.size()) {
                    continue;
                }
                SrtSession s = handshaking.get(i);
                if (now - s.deadlineNanos >= 0) {
                    handshakeTimeouts.incrementAndGet();
                    LOG.info("srt session {} from {}: origin {} {} did not finish the handshake in time",
                            s.id, s.caller, s.originId, s.origin);
                    end(s, EndReason.HANDSHAKE_TIMEOUT);
                    rejectSession(s, SrtRejectReason.TIMEOUT.code());
                } else if (s.toOrigin != null && s.leg != null && now - s.nextRetransmitNanos >= 0) {
                    s.toOrigin.rewind();
                    s.leg.sendUpstream(s.toOrigin);
                    s.nextRetransmitNanos = now + retransmitNanos;
                }
            }
        }

        /** Answers the session's caller with a rejection built from its stored CONCLUSION. */
        private void rejectSession(SrtSession s, int reasonCode) {
            if (!scratch.wrap(ByteBuffer.wrap(s.conclusion), 0, s.conclusion.length)) {
                return;
            }
            handshakesRejected.incrementAndGet();
            out.clear();
            int n = scratch.writeRejection(out, 0, out.capacity(), reasonCode, s.callerSocketId,
                    timestamp(worker.nanoTime()));
            if (n > 0) {
                out.limit(n);
                worker.sendToClient(out, s.caller);
            }
        }

        private void fail(SrtSession s, int reasonCode, String why) {
            if (s.ended) {
                return;
            }
            LOG.info("srt session {} from {} for {} rejected ({}): {}", s.id, s.caller, s.stream, reasonCode, why);
            end(s, reasonCode == SrtRejectCodes.FORBIDDEN ? EndReason.REFUSED : EndReason.ORIGIN_GONE);
            rejectSession(s, reasonCode);
        }

        /** Ends a session once, on this worker: maps, leg, lifecycle. */
        void end(SrtSession s, EndReason reason) {
            if (s.ended) {
                return;
            }
            s.ended = true;
            byCaller.remove(s.caller, s);
            handshaking.remove(s);
            if (sessions.remove(s.id, s)) {
                sessionCount.decrementAndGet();
            }
            sessionsEnded.incrementAndGet();
            RelayLeg leg = s.leg;
            SessionCounters counters = leg == null ? SessionCounters.ZERO : leg.counters();
            if (leg != null) {
                leg.close();
            }
            s.toOrigin = null;
            if (s.started) {
                lifecycle.end(s.id, reason, counters);
            }
            LOG.debug("srt session {} from {} ended: {} {}", s.id, s.caller, reason, counters);
        }

        @Override
        public void onLegClosed(RelayLeg leg, EndReason reason) {
            Object a = leg.attachment();
            if (a instanceof SrtSession) {
                end((SrtSession) a, reason);
            }
        }

        @Override
        public void onClose() {
            for (SrtSession s : new ArrayList<>(byCaller.values())) {
                end(s, EndReason.PROXY_SHUTDOWN);
            }
            byCaller.clear();
            handshaking.clear();
        }
    }

    /** Configures an {@link SrtRouter}; not thread-safe. */
    public static final class Builder {
        private InetSocketAddress bind = new InetSocketAddress(10080);
        private int workers;
        private int socketBufferBytes;
        private UdpTransport transport = UdpTransport.fromSystemProperty();
        private StreamPlacement placement;
        private SessionLifecycle lifecycle;
        private byte[] cookieSecret;
        private Duration handshakeTimeout = Duration.ofSeconds(3);
        private Duration retransmitInterval = Duration.ofMillis(250);
        private Duration idleTimeout = Duration.ofSeconds(10);
        private int maxSessions = 10_000;
        private ExecutorService executor;
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

        /** Event-loop workers; default {@code UdpRelay.defaultWorkers()} (one without SO_REUSEPORT). */
        public Builder workers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("workers must be >= 0");
            }
            this.workers = count;
            return this;
        }

        /**
         * SO_RCVBUF/SO_SNDBUF of the UDP sockets (listening and upstream), bytes; 0 (default)
         * keeps the system default. See {@code UdpRelay.Builder#socketBufferBytes}.
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

        /** Runs balancer calls; default a private pool of two daemon threads. */
        public Builder executor(ExecutorService executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
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
