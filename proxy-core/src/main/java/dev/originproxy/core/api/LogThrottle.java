package dev.originproxy.core.api;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A per-source rate limit for log lines that carry attacker-chosen text (a refused heartbeat's
 * id, a bad request's path): each source address may log {@code burst} lines, refilled at
 * {@code perMinute} lines a minute; lines over that are dropped and counted. At most
 * {@code maxSources} sources are tracked; beyond that, new sources share one bucket, so neither
 * the map nor the log can be made to grow without bound.
 *
 * <p>Thread-safe.
 */
public final class LogThrottle {
    private static final long MINUTE_NANOS = 60_000_000_000L;
    private static final String SHARED = "*";

    private final int burst;
    private final long nanosPerLine;
    private final int maxSources;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong suppressed = new AtomicLong();

    /** 10 lines per source and minute, 4096 sources, the system nano clock. */
    public LogThrottle() {
        this(10, 10, 4096, System::nanoTime);
    }

    /**
     * @param burst lines a source may log at once
     * @param perMinute lines a source regains per minute
     * @param maxSources sources tracked apart (the rest share one bucket)
     * @param nanoClock monotonic nanoseconds
     */
    public LogThrottle(int burst, int perMinute, int maxSources, LongSupplier nanoClock) {
        if (burst <= 0 || perMinute <= 0 || maxSources <= 0) {
            throw new IllegalArgumentException("burst, perMinute and maxSources must be positive");
        }
        this.burst = burst;
        this.nanosPerLine = MINUTE_NANOS / perMinute;
        this.maxSources = maxSources;
        this.nanoClock = nanoClock;
    }

    /** Whether a line from {@code source} (null: unknown) may be logged now; counts it when not. */
    public boolean allow(InetAddress source) {
        String key = source == null ? SHARED : source.getHostAddress();
        Bucket b = buckets.get(key);
        if (b == null) {
            if (buckets.size() >= maxSources) {
                key = SHARED; // a flood of sources shares one bucket rather than growing the map
            }
            b = buckets.computeIfAbsent(key, k -> new Bucket(burst, nanoClock.getAsLong()));
        }
        if (b.take(nanoClock.getAsLong(), burst, nanosPerLine)) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    /** Lines dropped so far. */
    public long suppressed() {
        return suppressed.get();
    }

    private static final class Bucket {
        private double tokens;
        private long last;

        Bucket(int tokens, long now) {
            this.tokens = tokens;
            this.last = now;
        }

        synchronized boolean take(long now, int burst, long nanosPerLine) {
            tokens = Math.min(burst, tokens + (double) (now - last) / nanosPerLine);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
