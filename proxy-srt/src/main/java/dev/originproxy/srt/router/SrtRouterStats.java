package dev.originproxy.srt.router;

import dev.originproxy.core.relay.api.RelayStats;

/**
 * A snapshot of an {@link SrtRouter}'s counters. Immutable, thread-safe.
 *
 * @param relay the relay engine's counters: packets, open legs, drops by reason (a bad SYN
 *     cookie counts as {@code UNAUTHENTICATED}, rendezvous as {@code UNSUPPORTED})
 * @param sessions sessions live now (handshaking or established)
 * @param inductionsAnswered caller INDUCTIONs the proxy answered itself (§4.3.1.1)
 * @param handshakesCompleted sessions the origin accepted
 * @param handshakesRejected CONCLUSIONs answered with a rejection (by the proxy or the origin)
 * @param handshakeTimeouts handshakes the origin did not finish by the deadline
 * @param conclusionsReplayed retransmitted caller CONCLUSIONs answered from the cached answer
 * @param sessionsEnded sessions ended since start, whatever the reason
 * @param placementsCancelled placements whose session ended first (superseded by a new socket of
 *     the caller, or timed out): cancelled, their result discarded
 */
public record SrtRouterStats(RelayStats relay, int sessions, long inductionsAnswered, long handshakesCompleted,
                             long handshakesRejected, long handshakeTimeouts, long conclusionsReplayed,
                             long sessionsEnded, long placementsCancelled) {
}
