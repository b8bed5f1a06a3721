package dev.originproxy.http.internal.hls;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the HLS handler, for {@code /metrics}. Thread-safe (adders; the per-reason map is
 * filled once at construction).
 */
public final class HlsStats {
    final LongAdder sessionsCreated = new LongAdder();
    final LongAdder playlistsServed = new LongAdder();
    final LongAdder mediaRelayed = new LongAdder();
    final LongAdder unknownSessions = new LongAdder();
    final LongAdder sessionLimitRefusals = new LongAdder();
    final LongAdder originErrors = new LongAdder();
    private final Map<PlaylistRewriter.Failure, LongAdder> rewriteFailures = new EnumMap<>(PlaylistRewriter.Failure.class);

    /** All counters at zero. */
    public HlsStats() {
        for (PlaylistRewriter.Failure f : PlaylistRewriter.Failure.values()) {
            rewriteFailures.put(f, new LongAdder());
        }
    }

    void rewriteFailed(PlaylistRewriter.Failure reason) {
        rewriteFailures.get(reason).increment();
    }

    /** HLS sessions (viewers) created by this proxy's playlist rewrites. */
    public long sessionsCreated() {
        return sessionsCreated.sum();
    }

    /** Playlists fetched, rewritten and answered. */
    public long playlistsServed() {
        return playlistsServed.sum();
    }

    /** Segments, parts, init segments and keys handed to the relay. */
    public long mediaRelayed() {
        return mediaRelayed.sum();
    }

    /** Requests whose session id resolved to nothing (answered 404). */
    public long unknownSessions() {
        return unknownSessions.sum();
    }

    /** New viewers refused because the session store was at its bound (503). */
    public long sessionLimitRefusals() {
        return sessionLimitRefusals.sum();
    }

    /** Playlist fetches the origin failed (unreachable, slow, error status, too large, encoded). */
    public long originErrors() {
        return originErrors.sum();
    }

    /** Playlists the rewriter refused, by reason. */
    public long rewriteFailures(PlaylistRewriter.Failure reason) {
        return rewriteFailures.get(reason).sum();
    }
}
