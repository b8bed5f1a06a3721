package dev.originproxy.core.balancer;

import dev.originproxy.core.origin.OriginServer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
     * The origins heard from within the TTL and not {@link #suspect suspect}, or the default
     * backend alone when none is and one is configured.
     */
    List<OriginServer> liveOrigins();

    /** A live origin (or the default backend) by id. */
    Optional<OriginServer> find(String originId);

    /** How long an origin lives without a heartbeat. */
    Duration originTtl();

    /**
     * Marks an origin <em>suspect</em> at once, on a signal that it is gone (connection refused or
     * ICMP unreachable on its sockets, an SRT handshake timeout, HTTP connect failures or 5xx from
     * its API): it leaves {@link #liveOrigins()}, no new stream is placed on it, and streams placed
     * on it are placed again on their next pick. Its next heartbeat ({@link #register}) clears
     * it; otherwise suspicion lasts {@link #originTtl()}. In a shared store the whole fleet
     * agrees. The default does nothing (a registry without suspicion).
     *
     * @param reason one line for logs and views
     * @throws BalancerUnavailableException when the backing store cannot be reached
     */
    default void suspect(String originId, String reason) {
    }

    /**
     * The ids of origins suspect now (see {@link #suspect}); empty by default.
     *
     * @throws BalancerUnavailableException when the backing store cannot be reached
     */
    default Set<String> suspects() {
        return Set.of();
    }
}
