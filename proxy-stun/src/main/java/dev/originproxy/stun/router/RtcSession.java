package dev.originproxy.stun.router;

import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.relay.RelayLeg;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.stun.StunIntegrityKey;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A session the router relays: the signalling record, its integrity key, the origin's media
 * address, and its legs. Legs live on different workers (each client address is pinned to the
 * worker the kernel chose), so the leg list is guarded by this object's monitor; the hot path
 * never touches it.
 */
final class RtcSession {
    /** Binding requests remembered per session: a few minutes of consent checks of several legs. */
    static final int REPLAY_CACHE_ENTRIES = 64;
    final WebRtcSession record;
    final StunIntegrityKey key;
    final byte[] usernameBytes;
    final InetSocketAddress upstream;
    final long createdNanos;
    final AtomicBoolean ended = new AtomicBoolean();
    /** Recent binding transaction ids and where they came from (replays from elsewhere are refused). */
    final BindingReplayCache replays = new BindingReplayCache(REPLAY_CACHE_ENTRIES);
    private final List<RelayLeg> legs = new ArrayList<>(2);
    private SessionCounters closedLegCounters = SessionCounters.ZERO;
    volatile long lastRefreshNanos;
    /** The router's count of failed store calls at this session's last good refresh (or install). */
    volatile long storeFailuresSeen;

    RtcSession(WebRtcSession record, long now) {
        this.record = record;
        this.key = StunIntegrityKey.shortTerm(record.icePwd());
        this.usernameBytes = record.username().getBytes(StandardCharsets.UTF_8);
        this.upstream = record.originMediaAddress();
        this.createdNanos = now;
        this.lastRefreshNanos = now;
    }

    synchronized boolean addLeg(RelayLeg leg, int max) {
        if (legs.size() >= max) {
            return false;
        }
        legs.add(leg);
        return true;
    }

    synchronized void legClosed(RelayLeg leg) {
        if (legs.remove(leg)) {
            closedLegCounters = closedLegCounters.plus(leg.counters());
        }
    }

    synchronized List<RelayLeg> legs() {
        return new ArrayList<>(legs);
    }

    synchronized int legCount() {
        return legs.size();
    }

    /** The latest packet time of any leg, or the creation time. Racy reads are fine here. */
    synchronized long lastActivityNanos() {
        long last = createdNanos;
        for (RelayLeg l : legs) {
            last = Math.max(last, l.lastActivityNanos());
        }
        return last;
    }

    /** The latest datagram from the origin on any leg, or the creation time. */
    synchronized long lastFromOriginNanos() {
        long last = createdNanos;
        for (RelayLeg l : legs) {
            last = Math.max(last, l.lastFromOriginNanos());
        }
        return last;
    }

    synchronized SessionCounters counters() {
        SessionCounters c = closedLegCounters;
        for (RelayLeg l : legs) {
            c = c.plus(l.counters());
        }
        return c;
    }
}
