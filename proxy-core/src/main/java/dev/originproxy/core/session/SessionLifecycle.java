package dev.originproxy.core.session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The registry routers and the signalling forwarder report session starts and ends to; it calls
 * the host's {@link SessionListener}s. Guarantees {@code onEnd} exactly once per started session
 * even when several parts end it concurrently (a DELETE racing an idle timeout and a shutdown):
 * the first {@link #end} wins, the rest return false.
 *
 * <p>Thread-safe. A listener that throws from {@code onEnd} is logged and does not stop the
 * others.
 */
public final class SessionLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(SessionLifecycle.class);

    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, SessionInfo> live = new ConcurrentHashMap<>();

    /** Adds a listener; it sees sessions that start from now on. */
    public void addListener(SessionListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Starts a session: asks every listener in order. When one refuses, those that had accepted
     * are told {@code onEnd(REFUSED)} and the refusal is rethrown; the session is not live.
     *
     * @throws SessionRefusedException the first refusal
     * @throws IllegalStateException when a session with that id is already live
     */
    public void start(SessionInfo session) throws SessionRefusedException {
        if (live.putIfAbsent(session.id(), session) != null) {
            throw new IllegalStateException("session already live: " + session.id());
        }
        List<SessionListener> accepted = new ArrayList<>();
        for (SessionListener l : listeners) {
            try {
                l.onStart(session);
                accepted.add(l);
            } catch (SessionRefusedException refused) {
                live.remove(session.id(), session);
                for (SessionListener a : accepted) {
                    safeEnd(a, session, EndReason.REFUSED, SessionCounters.ZERO);
                }
                throw refused;
            } catch (RuntimeException bug) {
                live.remove(session.id(), session);
                for (SessionListener a : accepted) {
                    safeEnd(a, session, EndReason.REFUSED, SessionCounters.ZERO);
                }
                LOG.warn("session listener failed in onStart for {}", session, bug);
                throw new SessionRefusedException("session listener failed: " + bug.getClass().getSimpleName());
            }
        }
    }

    /**
     * Ends a live session: the first call for an id tells every listener and returns true; later
     * calls (or an unknown id) return false and tell nobody.
     */
    public boolean end(String sessionId, EndReason reason, SessionCounters counters) {
        SessionInfo s = live.remove(sessionId);
        if (s == null) {
            return false;
        }
        for (SessionListener l : listeners) {
            safeEnd(l, s, reason, counters == null ? SessionCounters.ZERO : counters);
        }
        return true;
    }

    private static void safeEnd(SessionListener l, SessionInfo s, EndReason reason, SessionCounters c) {
        try {
            l.onEnd(s, reason, c);
        } catch (RuntimeException e) {
            LOG.warn("session listener failed in onEnd for {}", s, e);
        }
    }

    /** Whether a session is live. */
    public boolean isLive(String sessionId) {
        return live.containsKey(sessionId);
    }

    /** A live session by id. */
    public Optional<SessionInfo> find(String sessionId) {
        return Optional.ofNullable(live.get(sessionId));
    }

    /** A snapshot of live sessions. */
    public List<SessionInfo> live() {
        return new ArrayList<>(live.values());
    }
}
