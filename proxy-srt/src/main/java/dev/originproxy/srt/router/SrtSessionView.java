package dev.originproxy.srt.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.session.SessionCounters;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A snapshot of one session the {@link SrtRouter} handles, for admin views such as a gateway's
 * {@code /api/v1/sessions} and for metrics. Immutable, thread-safe; values are read racily from
 * the worker that owns the session, so they are recent, not atomic.
 *
 * @param id the session id reported to the {@link dev.originproxy.core.session.SessionLifecycle}
 * @param caller the caller's UDP address
 * @param callerSocketId the caller's SRT socket id (§4.3 handshake "SRT Socket ID")
 * @param streamId the stream id the caller sent (SID extension), empty when none
 * @param stream the canonical stream key
 * @param direction publish or play
 * @param originId the origin's id, or null while the origin is being picked
 * @param origin the origin's SRT address, or null while the origin is being picked
 * @param originSocketId the origin's SRT socket id once established, otherwise 0
 * @param state where the handshake stands
 * @param startedAt when the caller's CONCLUSION was accepted
 * @param counters packets and bytes relayed so far (caller to origin, origin to caller)
 */
public record SrtSessionView(String id, InetSocketAddress caller, int callerSocketId, String streamId,
                             String stream, Direction direction, String originId, InetSocketAddress origin,
                             int originSocketId, SrtSessionState state, Instant startedAt,
                             SessionCounters counters) {
}
