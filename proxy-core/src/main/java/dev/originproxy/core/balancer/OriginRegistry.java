package dev.originproxy.core.balancer;

import dev.originproxy.core.origin.OriginServer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The origins of the fleet: registration and heartbeat, the live list, expiry after a TTL.
 * One role of an {@link OriginLoadBalancer}.
 *
 * <p>Implementations are thread-safe. Methods may block on a shared store (Redis): never call
 * them on a relay worker thread.
 */
public interface OriginRegistry {
    /**
     * Registers an origin or records its heartbeat (same id). The heartbeat time is the
     * registry's clock, not the instance's.
     *
     * @throws BalancerUnavailableException when the backing store cannot be reached
     */
    void register(OriginServer origin);

    /**
     * The origins heard from within the TTL, or the default backend alone when none is and one
     * is configured.
     */
    List<OriginServer> liveOrigins();

    /** A live origin (or the default backend) by id. */
    Optional<OriginServer> find(String originId);

    /** How long an origin lives without a heartbeat. */
    Duration originTtl();
}
