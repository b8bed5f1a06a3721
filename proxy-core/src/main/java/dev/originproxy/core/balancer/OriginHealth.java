package dev.originproxy.core.balancer;

import dev.originproxy.core.loop.DaemonThreads;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Origin suspicion for the data plane: routers, the signalling forwarder and engines report the
 * signals they see that an origin is gone (ICMP port unreachable or connection refused on its
 * sockets, an SRT handshake timeout, HTTP connect failures and 5xx from its API), and ask, on
 * every path, whether an origin is suspect. The registry ({@link OriginRegistry#suspect}) holds
 * the truth, shared by a fleet through its store; this class keeps a local snapshot so the
 * question never blocks, and sends reports to the registry on its own thread.
 *
 * <p>A report marks the origin suspect here at once (one INFO line per origin and suspicion) and
 * in the registry moments later: no new stream is placed on it, streams placed on it move on
 * their next pick, and routers end sessions whose origin is suspect and has been silent for
 * their grace ({@code ORIGIN_GONE}). The origin's next heartbeat clears it; the snapshot follows
 * the registry every {@link Builder#refreshInterval}.
 *
 * <p>Threading: {@link #report}, {@link #isSuspect} and {@link #suspects} are non-blocking and may
 * be called from any thread, event loops included; {@link #suspectNow} blocks on the registry and
 * is for code already off the loop.
 */
public final class OriginHealth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OriginHealth.class);

    private final OriginRegistry registry;
    private final long refreshMillis;
    private final ScheduledExecutorService thread;
    /** Suspects from the last registry read plus reports not yet confirmed by one. */
    private volatile Set<String> snapshot = Set.of();
    /**
     * Reports made here, by origin id, until a registry read shows them or shows them cleared: the
     * value is when the registry accepted the report ({@code System.nanoTime()}), 0 until then.
     */
    private final ConcurrentHashMap<String, Long> pending = new ConcurrentHashMap<>();
    /** A {@link #pending} value: the registry could not be told; the next read tries again. */
    private static final long FAILED = -1L;
    private final AtomicLong reports = new AtomicLong();
    private final AtomicLong refreshFailures = new AtomicLong();

    private OriginHealth(Builder b) {
        this.registry = Objects.requireNonNull(b.registry, "registry");
        this.refreshMillis = b.refreshInterval.toMillis();
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(b.name));
    }

    /** A builder; {@link Builder#registry} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts following the registry's suspects. Returns this. */
    public OriginHealth start() {
        thread.scheduleWithFixedDelay(this::refresh, 0, refreshMillis, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Reports a signal that {@code originId} is gone. Non-blocking: the origin is suspect here at
     * once and in the registry as soon as this helper's thread reaches it. Repeated reports of an
     * origin already suspect cost a map lookup.
     */
    public void report(String originId, String reason) {
        if (originId == null || snapshot.contains(originId) || pending.putIfAbsent(originId, 0L) != null) {
            return;
        }
        reports.incrementAndGet();
        Set<String> next = new HashSet<>(snapshot);
        next.add(originId);
        snapshot = Set.copyOf(next);
        LOG.info("origin {} is suspect: {} (no new placements until its next heartbeat)", originId, reason);
        try {
            thread.execute(() -> tell(originId, reason));
        } catch (RejectedExecutionException closed) {
            pending.remove(originId);
        }
    }

    /**
     * Marks {@code originId} suspect in the registry now (blocking), for code already off the
     * event loop that is about to pick again (a placement retried after its origin failed).
     */
    public void suspectNow(String originId, String reason) {
        if (pending.putIfAbsent(originId, 0L) == null && !snapshot.contains(originId)) {
            reports.incrementAndGet();
            LOG.info("origin {} is suspect: {} (no new placements until its next heartbeat)", originId, reason);
        }
        Set<String> next = new HashSet<>(snapshot);
        next.add(originId);
        snapshot = Set.copyOf(next);
        tell(originId, reason);
    }

    /** Whether {@code originId} is suspect (the local snapshot; non-blocking). */
    public boolean isSuspect(String originId) {
        return originId != null && snapshot.contains(originId);
    }

    /** The suspect origin ids (the local snapshot). */
    public Set<String> suspects() {
        return snapshot;
    }

    /** Registry reads that failed (store unreachable) since start. */
    public long refreshFailures() {
        return refreshFailures.get();
    }

    /** Reports made through this instance since start. */
    public long reports() {
        return reports.get();
    }

    private void tell(String originId, String reason) {
        try {
            registry.suspect(originId, reason);
            long now = System.nanoTime();
            pending.computeIfPresent(originId, (id, told) -> told == 0L ? (now == 0L || now == FAILED ? 1L : now) : told);
        } catch (RuntimeException e) {
            // the store is down: the local snapshot steers this proxy; the next read retries
            pending.replace(originId, 0L, FAILED);
            LOG.debug("could not record suspicion of origin {}: {}", originId, e.toString());
        }
    }

    private void refresh() {
        long readStart = System.nanoTime();
        try {
            Set<String> fromRegistry = registry.suspects();
            Set<String> next = new HashSet<>(fromRegistry);
            for (var e : pending.entrySet()) {
                long told = e.getValue();
                if (fromRegistry.contains(e.getKey())) {
                    pending.remove(e.getKey(), told); // confirmed: the registry holds it now
                } else if (told != 0L && told != FAILED && told - readStart < 0) {
                    pending.remove(e.getKey(), told); // accepted before this read, gone now: a heartbeat cleared it
                } else {
                    if (told == FAILED && pending.replace(e.getKey(), FAILED, 0L)) {
                        tell(e.getKey(), "reported while the store was unreachable"); // only failed tells are retried
                    }
                    next.add(e.getKey()); // not in the registry yet (or the store is down)
                }
            }
            snapshot = Set.copyOf(next);
        } catch (RuntimeException e) {
            refreshFailures.incrementAndGet();
            LOG.debug("could not read origin suspects: {}", e.toString());
        }
    }

    /** Stops the helper thread. */
    @Override
    public void close() {
        thread.shutdownNow();
    }

    /** Configures an {@link OriginHealth}; not thread-safe. */
    public static final class Builder {
        private OriginRegistry registry;
        private Duration refreshInterval = Duration.ofSeconds(1);
        private String name = "origin-health";

        private Builder() {
        }

        /** The registry that holds suspicion (the balancer's {@code registry()}); required. */
        public Builder registry(OriginRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** How often the snapshot follows the registry (reports of other proxies, heartbeats); default 1 s. */
        public Builder refreshInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("refreshInterval must be positive");
            }
            this.refreshInterval = interval;
            return this;
        }

        /** Thread name; default {@code origin-health}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The health tracker, not started. */
        public OriginHealth build() {
            return new OriginHealth(this);
        }
    }
}
