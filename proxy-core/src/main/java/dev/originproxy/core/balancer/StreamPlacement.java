package dev.originproxy.core.balancer;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.origin.OriginServer;

import java.util.Map;

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

    /** A snapshot of current placements: canonical stream key to origin id. */
    Map<String, String> placements();
}
