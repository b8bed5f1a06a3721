package dev.originproxy.srt.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.loop.OffLoop;
import dev.originproxy.core.relay.api.RelayStats;
import dev.originproxy.core.session.SessionLifecycle;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What every worker of one {@link SrtRouter} shares: its settings, the session index (for views
 * and admin ends), the counters, and the {@link OffLoop} placement runs on.
 *
 * <p>Thread-safe: settings are final, the index and counters concurrent.
 */
final class SrtRouterContext {
    /** Largest caller CONCLUSION kept for replay: libsrt never sends a handshake above its MTU. */
    static final int MAX_CONCLUSION = 1500;

    final StreamPlacement placement;
    final SessionLifecycle lifecycle;
    final byte[] cookieSecret;
    final long handshakeTimeoutNanos;
    final long retransmitNanos;
    final int maxSessions;
    final int advertisedKeyLength;
    final StreamKey defaultStream;
    final Direction defaultDirection;
    final long epochNanos;
    final OffLoop offLoop;
    /** Where origin failures are reported and suspicion is read; null when the host gave none. */
    final OriginHealth health;
    /** How long a suspect origin may stay silent on an established session before it ends. */
    final long originGoneNanos;

    final ConcurrentHashMap<String, SrtSession> sessions = new ConcurrentHashMap<>();
    final AtomicInteger sessionCount = new AtomicInteger();
    final AtomicLong inductionsAnswered = new AtomicLong();
    final AtomicLong handshakesCompleted = new AtomicLong();
    final AtomicLong handshakesRejected = new AtomicLong();
    final AtomicLong handshakeTimeouts = new AtomicLong();
    final AtomicLong conclusionsReplayed = new AtomicLong();
    final AtomicLong sessionsEnded = new AtomicLong();
    final AtomicLong placementsCancelled = new AtomicLong();
    volatile boolean closing;

    SrtRouterContext(StreamPlacement placement, SessionLifecycle lifecycle, byte[] cookieSecret,
                     long handshakeTimeoutNanos, long retransmitNanos, int maxSessions, int advertisedKeyLength,
                     StreamKey defaultStream, Direction defaultDirection, LongSupplier nanoClock, OffLoop offLoop,
                     OriginHealth health, long originGoneNanos) {
        this.placement = placement;
        this.lifecycle = lifecycle;
        this.cookieSecret = cookieSecret;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
        this.retransmitNanos = retransmitNanos;
        this.maxSessions = maxSessions;
        this.advertisedKeyLength = advertisedKeyLength;
        this.defaultStream = defaultStream;
        this.defaultDirection = defaultDirection;
        this.epochNanos = nanoClock.getAsLong();
        this.offLoop = offLoop;
        this.health = health;
        this.originGoneNanos = originGoneNanos;
    }

    /** Reports an origin failure when the host gave an {@link OriginHealth}. */
    void reportOrigin(String originId, String reason) {
        if (health != null && originId != null) {
            health.report(originId, reason);
        }
    }

    /** Whether the origin is suspect (false without an {@link OriginHealth}). */
    boolean suspect(String originId) {
        return health != null && health.isSuspect(originId);
    }

    /** The SRT header timestamp (microseconds since the router started) at {@code nowNanos}. */
    int timestamp(long nowNanos) {
        return (int) ((nowNanos - epochNanos) / 1_000L);
    }

    SrtRouterStats stats(RelayStats relay) {
        return new SrtRouterStats(relay, sessions.size(), inductionsAnswered.get(), handshakesCompleted.get(),
                handshakesRejected.get(), handshakeTimeouts.get(), conclusionsReplayed.get(), sessionsEnded.get(),
                placementsCancelled.get());
    }
}
