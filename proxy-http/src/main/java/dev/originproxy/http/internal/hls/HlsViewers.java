package dev.originproxy.http.internal.hls;

import dev.originproxy.core.Direction;
import dev.originproxy.core.balancer.HlsSession;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionRefusedException;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HLS viewers this proxy serves, one per session id: a viewer starts (a lifecycle session of
 * protocol {@link SessionProtocol#HLS}, which {@code onStart} may refuse) with its first request
 * here and ends ({@link EndReason#IDLE_TIMEOUT}, exactly once) after {@code idle} without one.
 * HLS has no connection that lives as long as the viewing, so idleness is the only end.
 * A viewer whose requests alternate between two proxies is counted on both.
 *
 * <p>The lifecycle id is {@code hls-<n>}, never the session id itself: that id is a capability
 * (whoever holds it reads the stream), and lifecycle ids reach logs and views.
 *
 * <p>Bounded: at most {@code max} viewers; one more is refused (counted). Thread-safe; methods
 * call host listeners, so callers run them off event-loop threads (the per-request byte count
 * {@link #addBytes} is the exception: lock-free and listener-free).
 */
public final class HlsViewers {
    private final SessionLifecycle lifecycle;
    private final Duration idle;
    private final int max;
    private final Clock clock;
    private final ConcurrentHashMap<String, Viewer> viewers = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong refusedAtLimit = new AtomicLong();
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();

    /** One viewer's state. */
    private static final class Viewer {
        final SessionInfo info;
        volatile long lastSeenMillis;
        final AtomicLong requests = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();

        Viewer(SessionInfo info, long now) {
            this.info = info;
            this.lastSeenMillis = now;
        }
    }

    /** The viewer bound was reached: one more viewer is refused. */
    public static final class ViewerLimitException extends Exception {
        private static final long serialVersionUID = 1L;

        ViewerLimitException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param idle a viewer without a request for this long has ended
     * @param max the most viewers at once
     */
    public HlsViewers(SessionLifecycle lifecycle, Duration idle, int max, Clock clock) {
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.idle = Objects.requireNonNull(idle, "idle");
        if (max < 1) {
            throw new IllegalArgumentException("max viewers must be positive");
        }
        this.max = max;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records a request of the viewer of {@code session}: starts the viewer on its first request
     * on this proxy, else marks it seen.
     *
     * @throws SessionRefusedException a listener refused the new viewer (answer 403)
     * @throws ViewerLimitException this proxy serves its bound of viewers (answer 503)
     */
    public void seen(HlsSession session, InetSocketAddress client) throws SessionRefusedException, ViewerLimitException {
        long now = clock.millis();
        Viewer v = viewers.get(session.id());
        if (v == null) {
            if (viewers.size() >= max) {
                sweep();
                if (viewers.size() >= max) {
                    refusedAtLimit.incrementAndGet();
                    throw new ViewerLimitException("HLS viewer limit of this proxy reached (" + max + ")");
                }
            }
            SessionInfo info = new SessionInfo("hls-" + ids.incrementAndGet(), SessionProtocol.HLS, Direction.PLAY,
                    session.streamKey(), session.originId(), client, clock.instant());
            Viewer fresh = new Viewer(info, now);
            v = viewers.putIfAbsent(session.id(), fresh);
            if (v == null) {
                try {
                    lifecycle.start(info);
                } catch (SessionRefusedException | RuntimeException e) {
                    viewers.remove(session.id(), fresh);
                    throw e;
                }
                started.incrementAndGet();
                v = fresh;
            }
        }
        v.lastSeenMillis = now;
        v.requests.incrementAndGet();
    }

    /** Adds bytes delivered to the viewer of {@code sessionId} (any thread; no listener runs). */
    public void addBytes(String sessionId, long n) {
        Viewer v = viewers.get(sessionId);
        if (v != null) {
            v.bytes.addAndGet(n);
        }
    }

    /** Ends viewers idle for longer than the idle bound; returns how many ended. */
    public int sweep() {
        long cutoff = clock.millis() - idle.toMillis();
        int n = 0;
        for (var e : viewers.entrySet()) {
            Viewer v = e.getValue();
            if (v.lastSeenMillis <= cutoff && viewers.remove(e.getKey(), v)) {
                end(v, EndReason.IDLE_TIMEOUT);
                n++;
            }
        }
        return n;
    }

    /** Ends every viewer (the front is closing). */
    public void endAll() {
        for (var e : viewers.entrySet()) {
            if (viewers.remove(e.getKey(), e.getValue())) {
                end(e.getValue(), EndReason.PROXY_SHUTDOWN);
            }
        }
    }

    private void end(Viewer v, EndReason reason) {
        ended.incrementAndGet();
        lifecycle.end(v.info.id(), reason, new SessionCounters(v.requests.get(), 0, 0, v.bytes.get(), 0));
    }

    /** Viewers live now. */
    public int live() {
        return viewers.size();
    }

    /** Viewers started so far. */
    public long started() {
        return started.get();
    }

    /** Viewers ended so far. */
    public long ended() {
        return ended.get();
    }

    /** New viewers refused because the bound was reached. */
    public long refusedAtLimit() {
        return refusedAtLimit.get();
    }
}
