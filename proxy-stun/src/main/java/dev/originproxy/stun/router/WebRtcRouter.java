package dev.originproxy.stun.router;

import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.balancer.SessionStore;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.loop.EventLoopGoneException;
import dev.originproxy.core.loop.OffLoop;
import dev.originproxy.core.loop.DaemonThreads;
import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.RelayLeg;
import dev.originproxy.core.relay.api.RelayStats;
import dev.originproxy.core.relay.RelayWorker;
import dev.originproxy.core.relay.UdpRelay;
import dev.originproxy.core.relay.UdpRelayGroup;
import dev.originproxy.core.relay.api.UdpTransport;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionRefusedException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The WebRTC data plane: one UDP port carries every ICE session; the router tells sessions apart
 * by the STUN USERNAME ({@code answerUfrag:offerUfrag}) of the client's binding requests, relays
 * STUN, DTLS, SRTP and SRTCP to the session's origin, and sends the origin's replies back.
 *
 * <p>Security (RFC 8445 §7.2.2, RFC 8489 §9.1): a packet from an unknown client address is
 * accepted only when it is a binding request whose USERNAME names a live session and whose
 * MESSAGE-INTEGRITY verifies with that session's ice-pwd; only then does the address become a
 * <em>leg</em> of the session, with its own connected upstream socket (an ICE agent checks from
 * several local candidates, so a session has several legs, each symmetric). Anything else from an
 * unknown address is dropped and counted; it never changes where a session's media goes.
 *
 * <p>Sessions come from the balancer's {@link SessionStore}, looked up through the router's
 * {@link OffLoop} (the store may be Redis) when a client's first binding request arrives; the
 * lifecycle's {@code onStart} (a host callback, often with I/O) and the resolution of the
 * origin's media address run there too, never on an event-loop worker. The first request is kept
 * and relayed once the lookup succeeds (back on the worker that received it), later ones
 * meanwhile are dropped (ICE retransmits). While a
 * session lives its store entry is refreshed; a session ends on removal from the store (DELETE,
 * here or on another proxy), on idle timeout, or on {@link #close()}, and each end fires the
 * lifecycle's {@code onEnd} exactly once and frees every leg's socket.
 *
 * <p>Thread-safe. Packet work runs on the relay's workers; store calls, {@code onStart} and name
 * resolution on the router's {@link OffLoop}; refreshes on a maintenance thread.
 */
public final class WebRtcRouter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebRtcRouter.class);
    /** Largest binding request from an unknown address that is kept for a lookup (ICE sends ~100-600 bytes). */
    static final int MAX_FIRST_BINDING = 1500;

    private final SessionStore store;
    private final SessionLifecycle lifecycle;
    private final long sessionIdleNanos;
    private final long refreshNanos;
    private final long negativeCacheNanos;
    private final int maxSessions;
    private final int maxLegsPerSession;
    private final int maxPendingLookups;
    private final int lookupsPerSourceInFlight;
    private final int lookupsPerSourcePerSecond;
    private final int maxUnknownUsernames;
    private final int maxLookupSources;
    private final LongSupplier nanoClock;
    private final UdpRelayGroup relay;
    private final OffLoop offLoop;
    private final boolean ownOffLoop;
    private final ScheduledExecutorService maintenance;
    private final OriginHealth health;
    private final long originGoneNanos;

    final ConcurrentHashMap<String, RtcSession> sessions = new ConcurrentHashMap<>();
    /** Lookups in flight over all workers (each worker's {@link LookupAdmission} counts its own). */
    private final AtomicInteger lookupsInFlight = new AtomicInteger();
    private final AtomicInteger sessionCount = new AtomicInteger();
    private final AtomicLong sessionsEnded = new AtomicLong();
    /** Store calls that failed as unavailable, ever; a session remembers the value at its last good refresh. */
    private final AtomicLong storeFailures = new AtomicLong();
    /** Binding requests with valid integrity refused because their transaction id came from another address. */
    private final AtomicLong replaysRefused = new AtomicLong();
    private volatile boolean closing;

    private WebRtcRouter(Builder b) {
        this.store = Objects.requireNonNull(b.store, "sessionStore");
        this.lifecycle = b.lifecycle == null ? new SessionLifecycle() : b.lifecycle;
        this.sessionIdleNanos = b.sessionIdleTimeout.toNanos();
        this.refreshNanos = b.storeRefreshInterval.toNanos();
        this.negativeCacheNanos = b.unknownUsernameBackoff.toNanos();
        this.maxSessions = b.maxSessions;
        this.maxLegsPerSession = b.maxLegsPerSession;
        this.maxPendingLookups = b.maxPendingLookups;
        this.lookupsPerSourceInFlight = b.lookupsPerSourceInFlight;
        this.lookupsPerSourcePerSecond = b.lookupsPerSourcePerSecond;
        this.maxUnknownUsernames = b.maxUnknownUsernames;
        this.maxLookupSources = b.maxLookupSources;
        this.nanoClock = b.nanoClock;
        this.health = b.originHealth;
        this.originGoneNanos = b.originGoneAfter.toNanos();
        this.ownOffLoop = b.offLoop == null;
        this.offLoop = ownOffLoop ? OffLoop.builder().name("webrtc-lookup").threads(2)
                .maxQueued(b.maxPendingLookups).build() : b.offLoop;
        this.maintenance = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("webrtc-maintenance"));
        this.relay = new UdpRelayGroup(b.binds(), address -> UdpRelay.builder()
                .bind(address)
                .workers(b.workers)
                .socketBufferBytes(b.socketBufferBytes)
                .transport(b.transport)
                .name("webrtc-router")
                .legIdleTimeout(b.legIdleTimeout)
                .maxLegs(saturatedProduct(b.maxSessions, b.maxLegsPerSession))
                .nanoClock(b.nanoClock)
                .handler(WorkerHandler::new)
                .build());
        store.addRemovalListener(this::onStoreRemoval);
    }

    /** {@code a * b}, or {@link Integer#MAX_VALUE} when the product does not fit an int. */
    static int saturatedProduct(int a, int b) {
        return (int) Math.min(Integer.MAX_VALUE, (long) a * b);
    }

    /** A builder; {@link Builder#sessionStore} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the UDP port and starts the workers.
     *
     * @throws IOException when the port cannot be bound
     */
    public WebRtcRouter start() throws IOException {
        try {
            relay.start();
        } catch (IOException e) {
            shutdownExecutors();
            throw e;
        }
        long period = Math.max(50, TimeUnit.NANOSECONDS.toMillis(Math.min(refreshNanos, sessionIdleNanos) / 4));
        if (health != null) {
            period = Math.min(period, 250); // sessions of a gone origin end within seconds
        }
        maintenance.scheduleWithFixedDelay(this::maintain, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The UDP address clients send to (the port to advertise in candidates). */
    public InetSocketAddress localAddress() {
        return relay.localAddress();
    }

    /** The relay engine's counters (drops by reason, packets, legs). */
    public RelayStats relayStats() {
        return relay.stats();
    }

    /**
     * Binding requests refused as replays: valid MESSAGE-INTEGRITY, but a transaction id already
     * accepted from another client address (also counted as {@code UNAUTHENTICATED} drops).
     */
    public long replaysRefused() {
        return replaysRefused.get();
    }

    /** Workers running now (below the configured count after a worker died). */
    public int workersAlive() {
        return relay.workersAlive();
    }

    /** Sessions this router relays now. */
    public int sessionCount() {
        return sessions.size();
    }

    /** Sessions ended since start. */
    public long sessionsEnded() {
        return sessionsEnded.get();
    }

    /** A snapshot of the sessions this router relays, for views and metrics. */
    public List<RtcSessionView> sessions() {
        List<RtcSessionView> out = new ArrayList<>();
        for (RtcSession s : sessions.values()) {
            List<InetSocketAddress> clients = new ArrayList<>();
            for (RelayLeg l : s.legs()) {
                clients.add(l.client());
            }
            out.add(new RtcSessionView(s.record.publicId(), s.record.username(), s.record.streamKey().toString(),
                    s.record.direction(), s.record.originId(), s.upstream, clients, s.counters()));
        }
        return out;
    }

    /** Ends a session this router relays (for hosts and admin APIs); false when it has none. */
    public boolean endSession(String username, EndReason reason) {
        RtcSession s = sessions.get(username);
        if (s == null) {
            return false;
        }
        end(s, reason);
        return true;
    }

    /** Stops relaying: ends every session with {@link EndReason#PROXY_SHUTDOWN}, closes sockets and threads. */
    @Override
    public void close() {
        closing = true;
        maintenance.shutdownNow();
        for (RtcSession s : sessions.values()) {
            end(s, EndReason.PROXY_SHUTDOWN);
        }
        relay.close();
        shutdownExecutors();
    }

    private void shutdownExecutors() {
        maintenance.shutdownNow();
        if (ownOffLoop) {
            offLoop.close();
        }
    }

    // ---- session lifecycle ------------------------------------------------------------------

    private void onStoreRemoval(WebRtcSession removed) {
        RtcSession s = sessions.get(removed.username());
        if (s == null || !s.record.id().equals(removed.id())) {
            return;
        }
        boolean restarted;
        try {
            // an ICE restart stores the session under new credentials before removing the old
            restarted = store.findById(removed.id()).map(n -> !n.username().equals(removed.username())).orElse(false);
        } catch (RuntimeException e) {
            restarted = false;
        }
        end(s, EndReason.CLIENT_CLOSED, !restarted);
    }

    /**
     * Ends a session once: removes it, closes every leg on its own worker, fires {@code onEnd}.
     * Safe from any thread.
     */
    void end(RtcSession s, EndReason reason) {
        end(s, reason, true);
    }

    /** @param finished false when only these credentials end (ICE restart): no onEnd then */
    private void end(RtcSession s, EndReason reason, boolean finished) {
        if (!s.ended.compareAndSet(false, true)) {
            return;
        }
        sessions.remove(s.record.username(), s);
        sessionCount.decrementAndGet();
        sessionsEnded.incrementAndGet();
        SessionCounters counters = s.counters();
        for (RelayLeg leg : s.legs()) {
            leg.worker().execute(() -> closeLeg(leg));
        }
        if (!finished) {
            LOG.debug("webrtc session {} re-keyed by an ICE restart", s.record.username());
            return;
        }
        if ((reason == EndReason.IDLE_TIMEOUT || reason == EndReason.ORIGIN_GONE) && !closing) {
            // a dead session should not linger in a shared store until its TTL (end() runs on
            // the maintenance thread or a worker's leg callback; the store may block: hand it over)
            try {
                maintenance.execute(() -> removeQuietly(s.record.username()));
            } catch (java.util.concurrent.RejectedExecutionException closingNow) {
                // the entry expires by its TTL
            }
        }
        lifecycle.end(s.record.id(), reason, counters);
        LOG.debug("webrtc session {} ended: {} {}", s.record.username(), reason, counters);
    }

    private static void closeLeg(RelayLeg leg) {
        Object h = leg.attachment();
        if (h instanceof LegState) {
            ((LegState) h).handler.forget(leg);
        }
        leg.close();
    }

    /** Periodic, off the workers: idle sessions end; live ones refresh their store entry. */
    private void maintain() {
        long now = nanoClock.getAsLong();
        for (RtcSession s : sessions.values()) {
            if (now - s.lastActivityNanos() > sessionIdleNanos) {
                end(s, EndReason.IDLE_TIMEOUT);
                continue;
            }
            if (health != null && health.isSuspect(s.record.originId())
                    && now - s.lastFromOriginNanos() > originGoneNanos) {
                LOG.info("webrtc session {} for {} ended: origin {} is gone (suspect, silent for {} ms)",
                        s.record.username(), s.record.streamKey(), s.record.originId(),
                        (now - s.lastFromOriginNanos()) / 1_000_000);
                end(s, EndReason.ORIGIN_GONE);
                continue;
            }
            if (now - s.lastRefreshNanos > refreshNanos) {
                s.lastRefreshNanos = now;
                long failures = storeFailures.get();
                try {
                    if (store.refresh(s.record.username())) {
                        s.storeFailuresSeen = failures;
                    } else if (failures != s.storeFailuresSeen) {
                        // The store was unreachable since this session's last good refresh and came
                        // back without the entry: a restart or failover lost it (no DELETE can pass
                        // while the store is down). Put it back instead of cutting a live relay.
                        store.store(s.record);
                        s.storeFailuresSeen = failures;
                        LOG.info("webrtc session {} was lost by the session store; stored again", s.record.username());
                    } else {
                        // removed or expired elsewhere (a DELETE on another proxy instance)
                        end(s, EndReason.CLIENT_CLOSED);
                    }
                } catch (BalancerUnavailableException e) {
                    // the store is down: keep relaying from memory, try again next time
                    storeFailures.incrementAndGet();
                } catch (RuntimeException e) {
                    LOG.warn("session store refresh failed for {}", s.record.username(), e);
                }
            }
        }
    }

    private void removeQuietly(String username) {
        try {
            store.remove(username);
        } catch (RuntimeException e) {
            // the entry expires by its TTL anyway
        }
    }

    /** What a lookup found: a session installed here, a miss (remembered), or a refusal (limit, onStart). */
    private static final class Lookup {
        static final Lookup MISS = new Lookup(null, true);
        static final Lookup REFUSED = new Lookup(null, false);
        final RtcSession session;
        final boolean miss;

        Lookup(RtcSession session, boolean miss) {
            this.session = session;
            this.miss = miss;
        }
    }

    /**
     * Off the loop: asks the store and installs what it finds (the origin's media address is
     * resolved and the lifecycle's {@code onStart} asked here, never on a worker).
     */
    private Lookup lookup(String username) {
        RtcSession existing = sessions.get(username);
        if (existing != null) {
            return new Lookup(existing, false);
        }
        Optional<WebRtcSession> found;
        try {
            found = store.find(username);
        } catch (BalancerUnavailableException e) {
            storeFailures.incrementAndGet();
            throw e;
        }
        if (found.isEmpty()) {
            return Lookup.MISS;
        }
        RtcSession s = install(found.get());
        return s == null ? Lookup.REFUSED : new Lookup(s, false);
    }

    /** Installs a session found in the store (off the loop, during the lookup). */
    private RtcSession install(WebRtcSession record) {
        RtcSession existing = sessions.get(record.username());
        if (existing != null) {
            return existing;
        }
        if (closing) {
            return null;
        }
        if (sessionCount.incrementAndGet() > maxSessions) {
            sessionCount.decrementAndGet();
            return null;
        }
        RtcSession s = new RtcSession(record, nanoClock.getAsLong());
        if (s.upstream.isUnresolved()) {
            sessionCount.decrementAndGet();
            LOG.info("webrtc session {}: origin media address {} does not resolve", record.username(), s.upstream);
            return null;
        }
        s.storeFailuresSeen = storeFailures.get();
        if (sessions.putIfAbsent(record.username(), s) != null) {
            sessionCount.decrementAndGet();
            return sessions.get(record.username());
        }
        if (!lifecycle.isLive(record.id())) {
            // Signalling happened on another proxy instance: this instance reports the media
            // session to its own listeners.
            try {
                lifecycle.start(new SessionInfo(record.id(), SessionProtocol.WEBRTC, record.direction(),
                        record.streamKey(), record.originId(), null, Instant.now()));
            } catch (SessionRefusedException | IllegalStateException refused) {
                sessions.remove(record.username(), s);
                sessionCount.decrementAndGet();
                LOG.info("webrtc session {} refused here: {}", record.username(), refused.getMessage());
                return null;
            }
        }
        return s;
    }

    // ---- per-worker packet handling ---------------------------------------------------------

    /** What a leg's attachment holds: its session and the handler of the worker that owns it. */
    static final class LegState {
        final RtcSession session;
        final WorkerHandler handler;
        /** The client's IP bytes and port, for the XOR-MAPPED-ADDRESS it is told (copied once per leg). */
        final byte[] clientAddress;
        final int clientPort;

        LegState(RtcSession session, WorkerHandler handler, InetSocketAddress client) {
            this.session = session;
            this.handler = handler;
            this.clientAddress = client.getAddress().getAddress();
            this.clientPort = client.getPort();
        }
    }

    /** One per worker; all state here is confined to that worker's thread. */
    final class WorkerHandler implements dev.originproxy.core.relay.RelayHandler {
        private final RelayWorker worker;
        private final java.util.HashMap<InetSocketAddress, RelayLeg> legsByClient = new java.util.HashMap<>();
        private final dev.originproxy.stun.StunMessage stun = new dev.originproxy.stun.StunMessage();
        private final dev.originproxy.stun.StunVerifier verifier = new dev.originproxy.stun.StunVerifier();
        private final MappedAddressRewriter mapped = new MappedAddressRewriter();
        private final LookupAdmission admission;

        WorkerHandler(RelayWorker worker) {
            this.worker = worker;
            this.admission = new LookupAdmission(lookupsInFlight, maxPendingLookups, lookupsPerSourceInFlight,
                    lookupsPerSourcePerSecond, negativeCacheNanos, maxUnknownUsernames, maxLookupSources);
        }

        @Override
        public void onClientPacket(java.nio.ByteBuffer packet, InetSocketAddress from) {
            RelayLeg leg = legsByClient.get(from);
            if (leg != null) {
                LegState state = (LegState) leg.attachment();
                if (isStun(packet) && stun.wrap(packet, 0, packet.remaining()) && stun.isBindingRequest()
                        && stun.hasUsername()) {
                    if (!stun.usernameEquals(state.session.usernameBytes, 0, state.session.usernameBytes.length)) {
                        // a known address checking for another session: a new leg only after integrity verifies
                        onUnknownBinding(packet, from, leg);
                        return;
                    }
                    // remembered, so these bytes replayed from another address add no leg
                    state.session.replays.seen(stun, from);
                }
                leg.sendUpstream(packet);
                return;
            }
            if (!isStun(packet)) {
                worker.countDrop(DropReason.UNKNOWN_SESSION);
                return;
            }
            if (!stun.wrap(packet, 0, packet.remaining())) {
                worker.countDrop(DropReason.MALFORMED);
                return;
            }
            if (!stun.isBindingRequest() || !stun.hasUsername() || !stun.hasMessageIntegrity()) {
                worker.countDrop(DropReason.UNKNOWN_SESSION);
                return;
            }
            onUnknownBinding(packet, from, null);
        }

        private boolean isStun(java.nio.ByteBuffer packet) {
            return packet.remaining() >= 20
                    && dev.originproxy.stun.PacketKind.classify(packet.get(0)) == dev.originproxy.stun.PacketKind.STUN;
        }

        /** Slow path: a binding request from an address that is not (yet) a leg of its session. */
        private void onUnknownBinding(java.nio.ByteBuffer packet, InetSocketAddress from, RelayLeg previous) {
            String username = stun.username();
            RtcSession s = sessions.get(username);
            if (s != null) {
                admit(s, packet, from, previous);
                return;
            }
            long now = nanoClock.getAsLong();
            if (packet.remaining() > MAX_FIRST_BINDING) {
                worker.countDrop(DropReason.MALFORMED); // no ICE agent sends such a binding request
                return;
            }
            DropReason refused = admission.admit(username, from.getAddress(), now);
            if (refused != null) {
                worker.countDrop(refused);
                return;
            }
            byte[] first = new byte[packet.remaining()];
            packet.duplicate().get(first);
            offLoop.submit(worker, () -> lookup(username), (found, failure) -> {
                if (failure instanceof EventLoopGoneException) {
                    return; // the worker closed: its admission state was cleared with it
                }
                resumeLookup(username, found, failure, first, from);
            });
        }

        /** Back on this worker: admit the client with its first request, or remember the miss. */
        private void resumeLookup(String username, Lookup found, Throwable failure, byte[] first,
                                  InetSocketAddress from) {
            long now = nanoClock.getAsLong();
            if (failure != null) {
                admission.finished(username, false, now);
                worker.countDrop(failure instanceof RejectedExecutionException ? DropReason.LIMIT
                        : DropReason.UNKNOWN_SESSION);
                LOG.debug("session lookup failed for {}: {}", username, failure.toString());
                return;
            }
            // remember a miss briefly, so a flood of one unknown name does not hammer the store
            admission.finished(username, found.miss, now);
            if (found.session == null) {
                worker.countDrop(found.miss ? DropReason.UNKNOWN_SESSION : DropReason.LIMIT);
                return;
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(first);
            if (!stun.wrap(buf, 0, first.length)) {
                worker.countDrop(DropReason.MALFORMED);
                return;
            }
            admit(found.session, buf, from, legsByClient.get(from));
        }

        /** Verifies integrity with the session's key; only then binds the address as a leg. */
        private void admit(RtcSession s, java.nio.ByteBuffer packet, InetSocketAddress from, RelayLeg previous) {
            if (!verifier.verifyIntegrity(stun, s.key)) {
                worker.countDrop(DropReason.UNAUTHENTICATED);
                return;
            }
            if (s.replays.seenElsewhere(stun, from)) {
                // valid bytes, but already accepted from another address: a replay, not a new path
                replaysRefused.incrementAndGet();
                worker.countDrop(DropReason.UNAUTHENTICATED);
                return;
            }
            if (s.ended.get()) {
                worker.countDrop(DropReason.UNKNOWN_SESSION);
                return;
            }
            if (previous != null) {
                // the address moved to another session (it authenticated for it)
                LegState old = (LegState) previous.attachment();
                forget(previous);
                previous.close();
                old.session.legClosed(previous);
            }
            RelayLeg leg;
            try {
                leg = worker.openLeg(from, s.upstream, null);
            } catch (IOException e) {
                worker.countDrop(DropReason.LIMIT);
                return;
            }
            leg.attachment(new LegState(s, this, from));
            if (!s.addLeg(leg, maxLegsPerSession) || s.ended.get()) {
                s.legClosed(leg);
                leg.close();
                worker.countDrop(DropReason.LIMIT);
                return;
            }
            legsByClient.put(from, leg);
            s.replays.seen(stun, from);
            leg.sendUpstream(packet);
        }

        void forget(RelayLeg leg) {
            legsByClient.remove(leg.client(), leg);
        }

        @Override
        public void onUpstreamPacket(RelayLeg leg, java.nio.ByteBuffer packet) {
            LegState state = (LegState) leg.attachment();
            switch (mapped.rewrite(packet, state.session.key, state.clientAddress, state.clientPort)) {
                case REWRITTEN:
                    leg.sendToClient(mapped.rewritten());
                    return;
                case REFUSED:
                    worker.countDrop(DropReason.UNAUTHENTICATED);
                    return;
                case UNCHANGED:
                default:
                    leg.sendToClient(packet);
            }
        }

        /** The origin's media port refused a datagram: report it (the session ends if it stays silent). */
        @Override
        public void onUpstreamUnreachable(RelayLeg leg) {
            Object a = leg.attachment();
            if (health != null && a instanceof LegState) {
                health.report(((LegState) a).session.record.originId(),
                        "ICMP port unreachable from its WebRTC media port " + leg.upstream());
            }
        }

        @Override
        public void onLegClosed(RelayLeg leg, EndReason reason) {
            forget(leg);
            Object a = leg.attachment();
            if (a instanceof LegState) {
                RtcSession s = ((LegState) a).session;
                s.legClosed(leg);
                if (reason == EndReason.IDLE_TIMEOUT && s.legCount() == 0
                        && nanoClock.getAsLong() - s.lastActivityNanos() > sessionIdleNanos) {
                    end(s, EndReason.IDLE_TIMEOUT);
                }
            }
        }

        @Override
        public void onClose() {
            legsByClient.clear();
            admission.clear();
        }
    }

    /** Configures a {@link WebRtcRouter}; not thread-safe. */
    public static final class Builder {
        private final List<InetSocketAddress> alsoBind = new ArrayList<>();
        private InetSocketAddress bind = new InetSocketAddress(8000);
        private int workers;
        private int socketBufferBytes = dev.originproxy.core.relay.api.RelayDefaults.udpSocketBufferBytes();
        private UdpTransport transport = UdpTransport.fromSystemProperty();
        private SessionStore store;
        private SessionLifecycle lifecycle;
        private OffLoop offLoop;
        private OriginHealth originHealth;
        private Duration originGoneAfter = Duration.ofSeconds(2);
        private Duration sessionIdleTimeout = Duration.ofSeconds(30);
        private Duration legIdleTimeout = Duration.ofSeconds(30);
        private Duration storeRefreshInterval = Duration.ofSeconds(10);
        private Duration unknownUsernameBackoff = Duration.ofSeconds(1);
        private int maxSessions = 10_000;
        private int maxLegsPerSession = 8;
        private int maxPendingLookups = 1_024;
        private int lookupsPerSourceInFlight = 128;
        private int lookupsPerSourcePerSecond = 20;
        private int maxUnknownUsernames = 65_536;
        private int maxLookupSources = 16_384;
        private LongSupplier nanoClock = System::nanoTime;

        private Builder() {
        }

        /** The UDP address to listen on; default all interfaces, port 8000. Port 0 picks one. */
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

        /** Where sessions are found (the balancer's {@code sessions()}); required. */
        public Builder sessionStore(SessionStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The lifecycle registry shared with the signalling forwarder; default a private one. */
        public Builder lifecycle(SessionLifecycle lifecycle) {
            this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
            return this;
        }

        /**
         * Runs store lookups, {@code onStart} and name resolution off the event loop; default a
         * private one (two threads, {@link #maxPendingLookups} waiting). A shared one is not closed
         * by {@link WebRtcRouter#close()}.
         */
        public Builder offLoop(OffLoop offLoop) {
            this.offLoop = Objects.requireNonNull(offLoop, "offLoop");
            return this;
        }

        /**
         * Origin suspicion: ICMP port unreachable on an origin's media port reports it; a session
         * whose origin is suspect (reported here, by the signalling forwarder or by another proxy)
         * and silent for {@link #originGoneAfter} ends with {@code ORIGIN_GONE} and one INFO line.
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

        /** A session with no packet either way for this long ends; default 30 s. */
        public Builder sessionIdleTimeout(Duration timeout) {
            this.sessionIdleTimeout = positive(timeout, "sessionIdleTimeout");
            return this;
        }

        /** A leg (one client address) with no packet for this long is freed; default 30 s. */
        public Builder legIdleTimeout(Duration timeout) {
            this.legIdleTimeout = positive(timeout, "legIdleTimeout");
            return this;
        }

        /** How often live sessions refresh their store entry (below the store's TTL); default 10 s. */
        public Builder storeRefreshInterval(Duration interval) {
            this.storeRefreshInterval = positive(interval, "storeRefreshInterval");
            return this;
        }

        /** How long an unknown username is not looked up again; default 1 s. */
        public Builder unknownUsernameBackoff(Duration backoff) {
            this.unknownUsernameBackoff = positive(backoff, "unknownUsernameBackoff");
            return this;
        }

        /** Most sessions relayed at once; default 10,000. */
        public Builder maxSessions(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxSessions must be positive");
            }
            this.maxSessions = max;
            return this;
        }

        /** Most client addresses per session; default 8. */
        public Builder maxLegsPerSession(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxLegsPerSession must be positive");
            }
            this.maxLegsPerSession = max;
            return this;
        }

        /** Most store lookups in flight over the router; default 1,024. */
        public Builder maxPendingLookups(int max) {
            this.maxPendingLookups = atLeastOne(max, "maxPendingLookups");
            return this;
        }

        /**
         * Fair admission of lookups per source IP: at most {@code inFlight} at once, and
         * {@code missesPerSecond} lookups per second that find no session (burst twice that);
         * lookups that find a session cost nothing. Defaults 128 and 20: a NAT of many real clients
         * fits, a source flooding made-up names gets a small fixed share.
         */
        public Builder lookupsPerSource(int inFlight, int missesPerSecond) {
            this.lookupsPerSourceInFlight = atLeastOne(inFlight, "lookups in flight per source");
            this.lookupsPerSourcePerSecond = atLeastOne(missesPerSecond, "misses per second per source");
            return this;
        }

        /** Most unknown usernames remembered (per worker), oldest evicted first; default 65,536. */
        public Builder maxUnknownUsernames(int max) {
            this.maxUnknownUsernames = atLeastOne(max, "maxUnknownUsernames");
            return this;
        }

        /** Most source IPs whose lookup quota is tracked (per worker), least recent evicted; default 16,384. */
        public Builder maxLookupSources(int max) {
            this.maxLookupSources = atLeastOne(max, "maxLookupSources");
            return this;
        }

        private static int atLeastOne(int v, String name) {
            if (v <= 0) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return v;
        }

        /** The monotonic clock; tests may inject one. */
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
        public WebRtcRouter build() {
            return new WebRtcRouter(this);
        }
    }
}
