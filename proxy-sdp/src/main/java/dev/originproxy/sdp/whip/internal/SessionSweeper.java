package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.SessionStore;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionLifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The sessions a forwarder started, until they end: ends each lifecycle exactly once, and
 * periodically ends those whose store entry is gone (a client that never connected, or a session
 * a router ended, possibly on another proxy instance).
 *
 * <p>Thread-safe; one daemon thread sweeps.
 */
public final class SessionSweeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionSweeper.class);

    private final SessionStore store;
    private final SessionLifecycle lifecycle;
    private final Clock clock;
    private final long missingGraceMillis;
    private final ScheduledExecutorService sweeper;
    /** Started sessions by id; the value is when the store entry was first seen missing (0 while it is there). */
    private final ConcurrentHashMap<String, Long> started = new ConcurrentHashMap<>();

    /**
     * @param store the session store the routers share
     * @param lifecycle the lifecycle to end sessions on
     * @param clock wall clock
     * @param sweepInterval how often to look
     * @param missingGrace how long a store entry must stay missing before its session ends
     */
    public SessionSweeper(SessionStore store, SessionLifecycle lifecycle, Clock clock,
                          Duration sweepInterval, Duration missingGrace) {
        this.store = store;
        this.lifecycle = lifecycle;
        this.clock = clock;
        this.missingGraceMillis = missingGrace.toMillis();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "whip-session-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = sweepInterval.toMillis();
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    /** Records a session whose lifecycle just started. */
    public void started(String id) {
        started.put(id, 0L);
    }

    /** Ends a started session's lifecycle, once. */
    public void end(String id, EndReason reason) {
        if (started.remove(id) != null) {
            lifecycle.end(id, reason, SessionCounters.ZERO);
        }
    }

    /** Sessions started here that are still live. */
    public int live() {
        return started.size();
    }

    private void sweep() {
        long now = clock.millis();
        for (var e : started.entrySet()) {
            String id = e.getKey();
            try {
                if (!lifecycle.isLive(id)) {
                    started.remove(id);
                } else if (store.findById(id).isPresent()) {
                    started.replace(id, e.getValue(), 0L);
                } else if (e.getValue() == 0L) {
                    // Missing once may be a store that restarted empty: a live router stores the
                    // session again on its next refresh, so wait a grace period before ending it.
                    started.replace(id, 0L, now);
                } else if (now - e.getValue() >= missingGraceMillis) {
                    end(id, EndReason.IDLE_TIMEOUT);
                }
            } catch (BalancerUnavailableException unavailable) {
                return; // try again next round
            } catch (RuntimeException failure) {
                LOG.warn("session sweep failed for {}", id, failure);
            }
        }
    }

    /** Stops sweeping. */
    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
