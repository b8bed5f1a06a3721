package dev.originproxy.rtmp;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of codec failures, one per reason of an enum such as {@link HandshakeFailure},
 * {@link ChunkFailure} or {@link AmfFailure}. A router shares one instance per reason type across
 * all its connections and hands it to the codec objects it creates; every rejected input then
 * shows up as one increment of the reason that rejected it.
 *
 * <p>Thread-safe and allocation-free on {@link #increment(Enum)}.
 *
 * @param <E> the reason enum
 */
public final class FailureCounts<E extends Enum<E>> {
    private final Class<E> type;
    private final AtomicLongArray counts;

    /**
     * @param type the reason enum's class
     */
    public FailureCounts(Class<E> type) {
        this.type = type;
        this.counts = new AtomicLongArray(type.getEnumConstants().length);
    }

    /** Adds one to {@code reason}'s counter. */
    public void increment(E reason) {
        counts.incrementAndGet(reason.ordinal());
    }

    /** The count of {@code reason} so far. */
    public long count(E reason) {
        return counts.get(reason.ordinal());
    }

    /** The sum over every reason. */
    public long total() {
        long sum = 0;
        for (int i = 0; i < counts.length(); i++) {
            sum += counts.get(i);
        }
        return sum;
    }

    /** A snapshot of every reason's count (zeros included), in declaration order. */
    public Map<E, Long> snapshot() {
        Map<E, Long> out = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            out.put(e, counts.get(e.ordinal()));
        }
        return out;
    }

    @Override
    public String toString() {
        return type.getSimpleName() + snapshot();
    }
}
