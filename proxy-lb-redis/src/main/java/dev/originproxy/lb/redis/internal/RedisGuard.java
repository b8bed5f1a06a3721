package dev.originproxy.lb.redis.internal;

import dev.originproxy.core.balancer.BalancerUnavailableException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs every Redis call of one balancer and turns outages into fast failures: the first failed
 * call opens a backoff window (100 ms, doubling per failed probe up to 5 s) during which calls
 * throw {@link BalancerUnavailableException} without touching the network, so a dead Redis costs
 * callers microseconds instead of a connect timeout each. The first call after the window probes
 * Redis again; a success closes the outage. One WARN line per outage and one INFO line on
 * recovery, never one per call.
 *
 * <p>Thread-safe: the fast path reads one volatile; transitions are synchronized.
 */
final class RedisGuard {
    static final long FIRST_BACKOFF_MS = 100;
    static final long MAX_BACKOFF_MS = 5_000;

    private static final Logger LOG = LoggerFactory.getLogger(RedisGuard.class);

    private final String target;
    private final LongSupplier nanoTime;
    private final Runnable dropIdleConnections;

    // down and blockedUntil are read on every call without the lock; written under it.
    private volatile boolean down;
    private volatile long blockedUntilNanos;
    private volatile String lastReason = "";
    private long backoffMs;
    private long downSinceNanos;
    private long outages;

    /**
     * @param dropIdleConnections closes pooled idle connections; run when a call fails for an
     *        outage, because after a server restart every pooled socket is dead and each would
     *        otherwise fail one probe and stretch the outage
     */
    RedisGuard(String target, LongSupplier nanoTime, Runnable dropIdleConnections) {
        this.target = target;
        this.nanoTime = nanoTime;
        this.dropIdleConnections = dropIdleConnections;
    }

    /** Runs {@code body} unless in a backoff window; maps Redis failures. */
    <T> T call(String op, Supplier<T> body) {
        if (down) {
            long left = blockedUntilNanos - nanoTime.getAsLong();
            if (left > 0) {
                throw new BalancerUnavailableException(target + " unavailable, " + op + " not attempted (backing off "
                        + Math.max(1, left / 1_000_000) + " ms): " + lastReason, null);
            }
        }
        T result;
        try {
            result = body.get();
        } catch (JedisException e) {
            String reason = reason(e);
            if (isOutage(e)) {
                onFailure(reason);
            } else {
                // A refused command (a script error, a foreign value under our key) is not an outage:
                // report it, but do not block other calls.
                LOG.warn("{} refused {}: {}", target, op, reason);
            }
            throw new BalancerUnavailableException(target + " failed " + op + ": " + reason, e);
        }
        if (down) {
            onSuccess();
        }
        return result;
    }

    private static boolean isOutage(JedisException e) {
        if (e instanceof JedisAccessControlException || !(e instanceof JedisDataException)) {
            // connection refused/reset, timeouts, pool exhaustion, cluster redirections exhausted, bad auth
            return true;
        }
        String m = e.getMessage() == null ? "" : e.getMessage().toUpperCase(Locale.ROOT);
        return m.startsWith("LOADING") || m.startsWith("READONLY") || m.startsWith("CLUSTERDOWN")
                || m.startsWith("MASTERDOWN") || m.startsWith("TRYAGAIN") || m.startsWith("BUSY")
                || m.startsWith("NOAUTH") || m.startsWith("WRONGPASS");
    }

    static String reason(Throwable e) {
        Throwable t = e;
        String msg = null;
        // The deepest message names the real cause (e.g. "Connection refused").
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                msg = t.getClass().getSimpleName() + ": " + t.getMessage();
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        if (msg == null) {
            msg = e.getClass().getSimpleName();
        }
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }

    private synchronized void onFailure(String reason) {
        long now = nanoTime.getAsLong();
        lastReason = reason;
        if (down && now - blockedUntilNanos < 0) {
            return; // another thread's failure already opened this window
        }
        if (!down) {
            down = true;
            downSinceNanos = now;
            outages++;
            backoffMs = FIRST_BACKOFF_MS;
            LOG.warn("{} unreachable, failing balancer calls fast until it answers: {}", target, reason);
        } else {
            backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
        blockedUntilNanos = now + backoffMs * 1_000_000;
        try {
            dropIdleConnections.run();
        } catch (RuntimeException e) {
            LOG.debug("could not clear idle Redis connections", e);
        }
    }

    private synchronized void onSuccess() {
        if (!down) {
            return;
        }
        down = false;
        backoffMs = 0;
        LOG.info("{} reachable again after {} ms", target, (nanoTime.getAsLong() - downSinceNanos) / 1_000_000);
    }

    /** Whether an outage is current. */
    boolean isDown() {
        return down;
    }

    /** How many outages began (each logged once). */
    synchronized long outages() {
        return outages;
    }

    /** The current backoff window length, 0 when up. */
    synchronized long backoffMillis() {
        return backoffMs;
    }
}
