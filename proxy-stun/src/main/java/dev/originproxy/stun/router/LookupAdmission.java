package dev.originproxy.stun.router;

import dev.originproxy.core.relay.api.DropReason;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides which unknown STUN USERNAMEs one worker may look up in the session store, so a flood of
 * random names (from one source or a few) cannot starve a real client's first binding request.
 *
 * <ul>
 *   <li><b>Negative cache</b>: a name the store did not know is not asked again for the backoff;
 *       at most {@code maxNegative} names are remembered, the oldest evicted first (insertion
 *       order is expiry order, so expired entries leave from the head on every use, never in a
 *       periodic sweep that lets them pile up).</li>
 *   <li><b>In flight</b>: one lookup per name; at most {@code maxInFlight} over the router
 *       (shared counter) and at most {@code perSourceInFlight} per source IP. Once half the
 *       slots are taken, only sources with fewer than {@link #FAIR_SHARE} in flight are admitted,
 *       so busy sources never hold the slots a newcomer needs.</li>
 *   <li><b>Fair admission</b>: each source IP has a token bucket of {@code perSourceRate}
 *       <em>misses</em> per second (burst twice that): a lookup that finds nothing costs a token,
 *       one that finds a session costs none, and a source without tokens is not looked up for.
 *       So a flood of made-up names from a handful of sources gets a small, fixed share of the
 *       store and of the worker, while real clients (whose names exist), even many behind one
 *       NAT, are never throttled. At most {@code maxSources} sources are tracked, the least
 *       recently seen evicted.</li>
 * </ul>
 *
 * <p>Each refusal names its {@link DropReason}: {@code UNKNOWN_SESSION} (remembered miss),
 * {@code PENDING} (already being looked up), {@code LIMIT} (a quota).
 *
 * <p>Threading: confined to one relay worker's thread, except the shared in-flight counter.
 */
final class LookupAdmission {
    /** Per source IP: lookups in flight and the token bucket. */
    private static final class Source {
        int inFlight;
        double tokens;
        long refilledNanos;
    }

    /** In-flight lookups a source may always have while any slot is free. */
    static final int FAIR_SHARE = 4;

    private final AtomicInteger totalInFlight;
    private final int maxInFlight;
    private final int perSourceInFlight;
    private final double perSourceRatePerNano;
    private final double perSourceBurst;
    private final long negativeNanos;
    private final HashMap<String, InetAddress> inFlight = new HashMap<>();
    private final LinkedHashMap<String, Long> negative;
    private final LinkedHashMap<InetAddress, Source> sources;
    long quotaRefusals;

    LookupAdmission(AtomicInteger totalInFlight, int maxInFlight, int perSourceInFlight, int perSourceRate,
                    long negativeNanos, int maxNegative, int maxSources) {
        this.totalInFlight = totalInFlight;
        this.maxInFlight = maxInFlight;
        this.perSourceInFlight = perSourceInFlight;
        this.perSourceRatePerNano = perSourceRate / 1e9;
        this.perSourceBurst = 2.0 * perSourceRate;
        this.negativeNanos = negativeNanos;
        this.negative = new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > maxNegative;
            }
        };
        this.sources = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Source> eldest) {
                // a source with lookups in flight stays: its counter must come back down
                return size() > maxSources && eldest.getValue().inFlight == 0;
            }
        };
    }

    /**
     * Whether {@code username} from {@code source} may be looked up now; on success the lookup is
     * counted in flight until {@link #finished}.
     *
     * @return null when admitted, else why not
     */
    DropReason admit(String username, InetAddress source, long now) {
        expireNegative(now);
        if (negative.containsKey(username)) {
            return DropReason.UNKNOWN_SESSION;
        }
        if (inFlight.containsKey(username)) {
            return DropReason.PENDING;
        }
        Source s = sources.get(source);
        if (s == null) {
            s = new Source();
            s.tokens = perSourceBurst;
            s.refilledNanos = now;
            sources.put(source, s);
        } else {
            s.tokens = Math.min(perSourceBurst, s.tokens + (now - s.refilledNanos) * perSourceRatePerNano);
            s.refilledNanos = now;
        }
        if (s.inFlight >= perSourceInFlight || s.tokens < 1) { // tokens pay for misses only
            quotaRefusals++;
            return DropReason.LIMIT;
        }
        int total = totalInFlight.incrementAndGet();
        if (total > maxInFlight || (total > maxInFlight / 2 && s.inFlight >= FAIR_SHARE)) {
            // past half the slots only sources with almost nothing in flight get in: a few busy
            // sources can never take the slots a newcomer needs
            totalInFlight.decrementAndGet();
            quotaRefusals++;
            return DropReason.LIMIT;
        }
        s.inFlight++;
        inFlight.put(username, source);
        return null;
    }

    /** The lookup of {@code username} ended; {@code miss} remembers it as unknown for the backoff. */
    void finished(String username, boolean miss, long now) {
        InetAddress source = inFlight.remove(username);
        if (source == null) {
            return;
        }
        totalInFlight.decrementAndGet();
        Source s = sources.get(source);
        if (s != null) {
            if (s.inFlight > 0) {
                s.inFlight--;
            }
            if (miss) {
                // a made-up name costs its source; the debt is bounded so a source recovers in time
                s.tokens = Math.max(-perSourceInFlight, s.tokens - 1);
            }
        }
        if (miss) {
            negative.remove(username); // re-inserted at the tail: insertion order stays expiry order
            negative.put(username, now + negativeNanos);
        }
    }

    /** Lookups of this worker in flight. */
    int inFlight() {
        return inFlight.size();
    }

    /** Names remembered as unknown (bounded by {@code maxNegative}). */
    int negativeSize() {
        return negative.size();
    }

    /** Sources tracked (bounded by {@code maxSources}, except those with lookups in flight). */
    int sourceCount() {
        return sources.size();
    }

    /** Forgets everything (the worker is closing); returns in-flight slots to the shared counter. */
    void clear() {
        totalInFlight.addAndGet(-inFlight.size());
        inFlight.clear();
        negative.clear();
        sources.clear();
    }

    private void expireNegative(long now) {
        Iterator<Long> it = negative.values().iterator();
        while (it.hasNext()) {
            if (now - it.next() < 0) {
                return;
            }
            it.remove();
        }
    }
}
