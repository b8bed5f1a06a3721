package dev.originproxy.core.balancer;

import dev.originproxy.core.StreamKey;

import java.util.List;
import java.util.Optional;

/**
 * HLS viewer sessions by id, shared by every proxy of a fleet: the proxy that rewrites a
 * playlist creates one, and whichever proxy receives a segment, part, key or playlist-reload
 * request carrying the id resolves it to the stream and origin. Entries expire after
 * {@code hls.session.ttl} without use; every {@link #touch} extends them. At most
 * {@code hls.sessions.max} live entries exist per store (the whole fleet for a shared store).
 * One role of an {@link OriginLoadBalancer}.
 *
 * <p>Implementations are thread-safe; methods may block on a shared store, so callers run them
 * off event-loop threads.
 */
public interface HlsSessionStore {
    /**
     * Creates a session with a fresh unguessable id and a full TTL.
     *
     * @throws HlsSessionLimitException when the store is at its bound
     */
    HlsSession create(StreamKey streamKey, String originId);

    /**
     * The live session with this id, its TTL extended; empty when unknown, expired or not a
     * well-formed id (checked before any lookup).
     */
    Optional<HlsSession> touch(String id);

    /** A snapshot of live sessions. */
    List<HlsSession> list();

    /** How many sessions are live (what the bound counts). */
    long count();
}
