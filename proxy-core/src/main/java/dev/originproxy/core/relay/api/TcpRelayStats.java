package dev.originproxy.core.relay.api;

import java.util.Map;

/**
 * A snapshot of a {@code TcpRelay}'s counters, summed over its workers (read racily: each value is
 * exact for its worker at some recent moment).
 *
 * @param accepted client connections accepted (including those closed at once for the limit)
 * @param connected outbound connections established
 * @param openConnections connections open now (accepted and outbound)
 * @param bytesIn bytes read from all sockets
 * @param bytesOut bytes written to all sockets
 * @param bufferedBytes bytes queued for writing right now, over all connections
 * @param pooledBuffers direct buffers held by the workers' pools (free and in use)
 * @param closes closed connections by reason
 */
public record TcpRelayStats(long accepted, long connected, int openConnections, long bytesIn, long bytesOut,
                            long bufferedBytes, int pooledBuffers, Map<TcpCloseReason, Long> closes) {
    /** Canonical constructor: copies the map. */
    public TcpRelayStats {
        closes = Map.copyOf(closes);
    }

    /** Connections closed for one reason. */
    public long closed(TcpCloseReason reason) {
        return closes.getOrDefault(reason, 0L);
    }
}
