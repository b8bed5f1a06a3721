package dev.originproxy.core.balancer;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Which origin serves which stream. Placement is sticky (publishers and players of one stream
 * meet on one origin while it lives), re-placed when the origin has expired, and atomic:
 * concurrent first picks of one stream, on one proxy or across a fleet, agree on one origin.
 * One role of an {@link OriginLoadBalancer}.
 *
 * <p>Implementations are thread-safe; methods may block on a shared store.
 */
public interface StreamPlacement {
    /**
     * The origin of {@code key}: the one it is placed on while that origin lives, otherwise a
     * new pick by the configured strategy. Each call refreshes the placement.
     *
     * @throws NoOriginAvailableException when no origin is live and no default backend is set
     * @throws BalancerUnavailableException when the backing store cannot be reached
     */
    OriginServer pick(StreamKey key);

    /**
     * The origin of {@code key} for a client of the given protocols (e.g. {@code API} and
     * {@code RTC} for WHIP, {@code SRT} for SRT): a new stream is placed only on a live origin
     * that registered every one of them; a stream already placed on an origin that lacks one
     * fails with a {@link NoOriginAvailableException} naming the missing protocol (publishers and
     * players of a stream must meet on one origin).
     *
     * <p>The default picks with {@link #pick(StreamKey)} and then checks the protocols; the
     * built-in balancers filter candidates before picking.
     *
     * @throws NoOriginAvailableException when no live origin offers the protocols, or the
     *     stream's origin lacks one; the message names them
     * @throws BalancerUnavailableException when the backing store cannot be reached
     */
    default OriginServer pick(StreamKey key, Set<OriginProtocol> protocols) {
        OriginServer o = pick(key);
        Set<OriginProtocol> missing = missingProtocols(o, protocols);
        if (!missing.isEmpty()) {
            throw new NoOriginAvailableException("stream " + key + " is placed on origin " + o.id()
                    + ", which registered no " + missing + " endpoint");
        }
        return o;
    }

    /**
     * Forgets the placement of {@code key} if it is still on {@code originId}: called by
     * {@link PlacementReleaser} when the stream's last session on this proxy ended a grace
     * period ago, so attacker-chosen stream names do not pile up until their TTL. A placement
     * that moved meanwhile stays. The default does nothing (the placement expires by its TTL).
     *
     * @throws BalancerUnavailableException when the backing store cannot be reached
     */
    default void release(StreamKey key, String originId) {
    }

    /** The protocols of {@code wanted} that {@code origin} registered no endpoint for. */
    static Set<OriginProtocol> missingProtocols(OriginServer origin, Set<OriginProtocol> wanted) {
        Set<OriginProtocol> missing = EnumSet.noneOf(OriginProtocol.class);
        for (OriginProtocol p : wanted) {
            if (origin.endpoints(p).isEmpty()) {
                missing.add(p);
            }
        }
        return missing;
    }

    /** A snapshot of current placements: canonical stream key to origin id. */
    Map<String, String> placements();
}
