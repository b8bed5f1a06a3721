package dev.originproxy.core.relay.api;

import java.util.Map;

/**
 * A snapshot of a {@code UdpRelay}'s counters.
 *
 * @param packetsIn datagrams received on the listening port
 * @param packetsOut datagrams sent to clients through the listening port
 * @param openLegs legs (upstream channels) open
 * @param drops dropped datagrams by reason
 */
public record RelayStats(long packetsIn, long packetsOut, int openLegs, Map<DropReason, Long> drops) {
    /** Canonical constructor: copies the map. */
    public RelayStats {
        drops = Map.copyOf(drops);
    }

    /** Drops of one reason. */
    public long dropped(DropReason reason) {
        return drops.getOrDefault(reason, 0L);
    }

    /** All drops. */
    public long droppedTotal() {
        long sum = 0;
        for (long v : drops.values()) {
            sum += v;
        }
        return sum;
    }
}
