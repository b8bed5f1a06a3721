package dev.originproxy.core.internal;

import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancerProvider;

import java.time.Clock;
import java.util.Map;

/** The {@code memory} provider: {@link MemoryLoadBalancer} with the system clock. */
public final class MemoryLoadBalancerProvider implements OriginLoadBalancerProvider {
    @Override
    public String name() {
        return "memory";
    }

    @Override
    public OriginLoadBalancer create(Map<String, String> config) {
        return new MemoryLoadBalancer(BalancerConfig.from(config), Clock.systemUTC());
    }
}
