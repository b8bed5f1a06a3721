package dev.originproxy.rtmp.router;

import dev.originproxy.core.relay.api.TcpRelayStats;

import java.util.Map;

/**
 * A snapshot of an {@link RtmpRouter}'s counters.
 *
 * @param sessions sessions live now (placing, connecting to the origin or relaying)
 * @param sessionsStarted sessions that reached the relay phase since start
 * @param messagesFromClients messages relayed from clients to origins
 * @param messagesFromOrigins messages relayed from origins to clients
 * @param drops client connections dropped before relaying, by reason (zeros included)
 * @param engine the TCP engine's counters (bytes, buffered bytes, closes by reason)
 */
public record RtmpRouterStats(int sessions, long sessionsStarted, long messagesFromClients, long messagesFromOrigins,
                              Map<RtmpDropReason, Long> drops, TcpRelayStats engine) {
    /** Canonical constructor: copies the map. */
    public RtmpRouterStats {
        drops = Map.copyOf(drops);
    }

    /** Drops of one reason. */
    public long dropped(RtmpDropReason reason) {
        return drops.getOrDefault(reason, 0L);
    }
}
