package dev.originproxy.core.balancer;

import dev.originproxy.core.StreamKey;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-process {@link HlsSessionStore} (the {@code memory} balancer's): ids resolve only on
 * this proxy. Expiry is lazy against the injected {@link Clock}; expired entries are swept when
 * the bound is reached and when listing.
 *
 * <p>Thread-safe. The bound is exact under concurrency: a slot is reserved before an entry is
 * added.
 */
public final class MemoryHlsSessionStore implements HlsSessionStore {
    private final Clock clock;
    private final Duration ttl;
    private final int max;
    private final HlsSessionIds ids;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    /**
     * @param ttl how long a session lives without a {@link #touch}
     * @param max the most live sessions
     */
    public MemoryHlsSessionStore(Duration ttl, int max, Clock clock, HlsSessionIds ids) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("hls.session.ttl must be positive");
        }
        if (max < 1) {
            throw new IllegalArgumentException("hls.sessions.max must be at least 1");
        }
        this.ttl = ttl;
        this.max = max;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    /** A store with the {@code hls.*} settings of {@code config}. */
    public MemoryHlsSessionStore(BalancerConfig config, Clock clock) {
        this(config.hlsSessionTtl(), config.hlsSessionsMax(), clock, new HlsSessionIds());
    }

    private static final class Entry {
        final HlsSession session;
        final Instant expiresAt;

        Entry(HlsSession session, Instant expiresAt) {
            this.session = session;
            this.expiresAt = expiresAt;
        }
    }

    @Override
    public HlsSession create(StreamKey streamKey, String originId) {
        if (!reserve()) {
            sweep();
            if (!reserve()) {
                throw new HlsSessionLimitException("HLS session limit reached (hls.sessions.max=" + max + ")");
            }
        }
        Instant now = clock.instant();
        HlsSession s = new HlsSession(ids.next(), streamKey, originId, now);
        entries.put(s.id(), new Entry(s, now.plus(ttl)));
        return s;
    }

    private boolean reserve() {
        while (true) {
            int n = size.get();
            if (n >= max) {
                return false;
            }
            if (size.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void drop(String id, Entry e) {
        if (entries.remove(id, e)) {
            size.decrementAndGet();
        }
    }

    private void sweep() {
        Instant now = clock.instant();
        entries.forEach((id, e) -> {
            if (!now.isBefore(e.expiresAt)) {
                drop(id, e);
            }
        });
    }

    @Override
    public Optional<HlsSession> touch(String id) {
        if (!HlsSessionIds.isWellFormed(id)) {
            return Optional.empty();
        }
        Entry e = entries.get(id);
        if (e == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (!now.isBefore(e.expiresAt)) {
            drop(id, e);
            return Optional.empty();
        }
        // A lost race with another touch is fine: that one extended it as far.
        entries.replace(id, e, new Entry(e.session, now.plus(ttl)));
        return Optional.of(e.session);
    }

    @Override
    public List<HlsSession> list() {
        sweep();
        List<HlsSession> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            out.add(e.session);
        }
        return out;
    }

    @Override
    public long count() {
        sweep();
        return size.get();
    }
}
