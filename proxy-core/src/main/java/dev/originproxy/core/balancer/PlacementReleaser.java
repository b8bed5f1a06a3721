package dev.originproxy.core.balancer;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.loop.DaemonThreads;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Releases a stream's placement when its last session on this proxy has ended and a grace
 * period passed without a new one ({@link StreamPlacement#release}), so placements of streams
 * nobody uses (stream names are client-chosen) leave the balancer instead of living out their
 * TTL. A session that starts within the grace keeps the placement (a publisher reconnecting
 * lands on the same origin).
 *
 * <p>Add it to the {@link dev.originproxy.core.session.SessionLifecycle} every router and the
 * signalling forwarder report to. It counts live sessions per stream (bounded by the routers'
 * session limits) and releases on its own thread: the balancer may block, and {@code onEnd} may
 * be called on an event loop.
 *
 * <p>Threading: thread-safe.
 */
public final class PlacementReleaser implements SessionListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PlacementReleaser.class);

    private final StreamPlacement placement;
    private final long graceMillis;
    private final ScheduledThreadPoolExecutor thread;
    private final Map<StreamKey, Integer> live = new HashMap<>();
    private final Map<StreamKey, ScheduledFuture<?>> pending = new HashMap<>();
    private final AtomicLong released = new AtomicLong();

    /**
     * @param placement the balancer's placement role
     * @param grace how long a stream without sessions keeps its placement
     */
    public PlacementReleaser(StreamPlacement placement, Duration grace) {
        this.placement = Objects.requireNonNull(placement, "placement");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative");
        }
        this.graceMillis = grace.toMillis();
        this.thread = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("placement-release"));
        this.thread.setRemoveOnCancelPolicy(true);
    }

    @Override
    public synchronized void onStart(SessionInfo session) {
        live.merge(session.streamKey(), 1, Integer::sum);
        ScheduledFuture<?> f = pending.remove(session.streamKey());
        if (f != null) {
            f.cancel(false);
        }
    }

    @Override
    public synchronized void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
        StreamKey key = session.streamKey();
        Integer n = live.get(key);
        if (n == null) {
            return;
        }
        if (n > 1) {
            live.put(key, n - 1);
            return;
        }
        live.remove(key);
        String originId = session.originId();
        if (originId == null || thread.isShutdown()) {
            return;
        }
        pending.put(key, thread.schedule(() -> release(key, originId), graceMillis, TimeUnit.MILLISECONDS));
    }

    private void release(StreamKey key, String originId) {
        synchronized (this) {
            if (live.containsKey(key)) {
                return; // a session started after this was scheduled
            }
            pending.remove(key);
        }
        try {
            placement.release(key, originId);
            released.incrementAndGet();
            LOG.debug("placement of {} on {} released", key, originId);
        } catch (RuntimeException e) {
            LOG.debug("could not release placement of {}: {} (it expires by its TTL)", key, e.toString());
        }
    }

    /** Placements released since start. */
    public long released() {
        return released.get();
    }

    /** Streams whose release waits for the grace period now. */
    public synchronized int pendingReleases() {
        return pending.size();
    }

    /** Stops the release thread; placements not yet released expire by their TTL. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
