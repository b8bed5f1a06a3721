package dev.originproxy.core.balancer;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * WebRTC sessions by ICE username, shared by the signalling forwarder (which stores them) and
 * the WebRTC routers of every proxy instance (which find them when a client's first STUN binding
 * request arrives). Entries expire after a TTL unless {@link #refresh refreshed}; live sessions
 * refresh them. One role of an {@link OriginLoadBalancer}.
 *
 * <p>Implementations are thread-safe; methods may block on a shared store.
 */
public interface SessionStore {
    /** Stores (or replaces) a session under its username and id, with a fresh TTL. */
    void store(WebRtcSession session);

    /** A live session by ICE username ({@code answerUfrag:offerUfrag}). */
    Optional<WebRtcSession> find(String username);

    /** A live session by its proxy resource id. */
    Optional<WebRtcSession> findById(String id);

    /** Extends the TTL of a live session; false when it is gone. */
    boolean refresh(String username);

    /**
     * Removes a session (DELETE of its resource, ICE restart); listeners registered on this
     * store instance are told. Returns false when there was none.
     */
    boolean remove(String username);

    /** A snapshot of live sessions. */
    List<WebRtcSession> list();

    /**
     * Registers a listener told of every {@link #remove} made through this store instance, on
     * the thread that removed. A router on another proxy instance learns of removals by
     * re-checking {@link #find} instead.
     */
    void addRemovalListener(Consumer<WebRtcSession> listener);
}
