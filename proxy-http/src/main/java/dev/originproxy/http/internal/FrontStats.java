package dev.originproxy.http.internal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The front's counters: requests, refusals per {@link HeadError}, head timeouts, responses per
 * status class, relays per {@link RelayOutcome}, handler failures. Thread-safe (adders and
 * atomic arrays); read racily.
 */
public final class FrontStats {
    final LongAdder requests = new LongAdder();
    final LongAdder headTimeouts = new LongAdder();
    final LongAdder handlerErrors = new LongAdder();
    final LongAdder scrubbedFields = new LongAdder();
    private final AtomicLongArray refused = new AtomicLongArray(HeadError.values().length);
    private final AtomicLongArray statusClasses = new AtomicLongArray(6);
    private final AtomicLongArray relays = new AtomicLongArray(RelayOutcome.values().length);

    void refused(HeadError e) {
        refused.incrementAndGet(e.ordinal());
    }

    void responded(int status) {
        statusClasses.incrementAndGet(Math.min(5, Math.max(1, status / 100)));
    }

    void relayEnded(RelayOutcome o) {
        relays.incrementAndGet(o.ordinal());
    }

    /** Complete request heads received. */
    public long requests() {
        return requests.sum();
    }

    /** Connections answered 408 because their head did not arrive in time. */
    public long headTimeouts() {
        return headTimeouts.sum();
    }

    /** Handlers that threw (answered 500). */
    public long handlerErrors() {
        return handlerErrors.sum();
    }

    /** Origin response fields dropped because they named the origin's address. */
    public long scrubbedFields() {
        return scrubbedFields.sum();
    }

    /** Refused heads per reason (only reasons seen). */
    public Map<HeadError, Long> refusals() {
        Map<HeadError, Long> m = new EnumMap<>(HeadError.class);
        for (HeadError e : HeadError.values()) {
            long n = refused.get(e.ordinal());
            if (n != 0) {
                m.put(e, n);
            }
        }
        return m;
    }

    /** Responses whose status was {@code n}xx, n in 1..5. */
    public long responses(int statusClass) {
        return statusClasses.get(statusClass);
    }

    /** Relays ended per outcome (only outcomes seen). */
    public Map<RelayOutcome, Long> relays() {
        Map<RelayOutcome, Long> m = new EnumMap<>(RelayOutcome.class);
        for (RelayOutcome o : RelayOutcome.values()) {
            long n = relays.get(o.ordinal());
            if (n != 0) {
                m.put(o, n);
            }
        }
        return m;
    }
}
