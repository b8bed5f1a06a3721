package dev.originproxy.core.balancer;

import java.util.Map;

/**
 * The {@link java.util.ServiceLoader} service that creates an {@link OriginLoadBalancer} by name.
 * Declare an implementation both with {@code provides} in {@code module-info.java} and in
 * {@code META-INF/services/dev.originproxy.core.balancer.OriginLoadBalancerProvider}, so it is
 * found on the module path and the class path.
 *
 * <p>Providers must have a public no-argument constructor and be thread-safe.
 */
public interface OriginLoadBalancerProvider {
    /** The name hosts select it by, e.g. {@code memory} or {@code redis}. */
    String name();

    /**
     * Creates a balancer from string settings. Keys every provider understands (see
     * {@link BalancerConfig}): {@code origin.ttl}, {@code session.ttl}, {@code placement.ttl},
     * {@code placement.strategy}, {@code default.backend.*}; a provider adds its own.
     *
     * @throws IllegalArgumentException naming the key of a bad setting
     */
    OriginLoadBalancer create(Map<String, String> config);
}
