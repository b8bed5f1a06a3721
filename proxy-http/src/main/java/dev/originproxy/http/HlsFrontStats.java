package dev.originproxy.http;

import java.util.Map;

/**
 * A snapshot of an {@link HttpFront}'s HLS counters (read racily; each value is exact on its own).
 *
 * @param viewersLive HLS viewers (session ids) this front saw a request of within the idle bound
 * @param viewersStarted viewers started on this front
 * @param viewersEnded viewers ended (idle, or the front closing)
 * @param viewersRefusedAtLimit new viewers refused because this front served its bound (503)
 * @param sessionsCreated session ids created by this front's playlist rewrites (new viewers)
 * @param playlistsServed playlists fetched, rewritten and answered
 * @param mediaRelayed segments, parts, init segments and keys handed to the relay
 * @param unknownSessions requests whose session id resolved to nothing (404)
 * @param sessionLimitRefusals new viewers refused because the session store was full (503)
 * @param originErrors playlist fetches the origin failed (unreachable, slow, error status, too large)
 * @param rewriteFailures playlists the rewriter refused, per reason ({@code NOT_A_PLAYLIST}...)
 */
public record HlsFrontStats(long viewersLive, long viewersStarted, long viewersEnded, long viewersRefusedAtLimit,
                            long sessionsCreated, long playlistsServed, long mediaRelayed, long unknownSessions,
                            long sessionLimitRefusals, long originErrors, Map<String, Long> rewriteFailures) {
    /** Copies the map. */
    public HlsFrontStats {
        rewriteFailures = Map.copyOf(rewriteFailures);
    }
}
