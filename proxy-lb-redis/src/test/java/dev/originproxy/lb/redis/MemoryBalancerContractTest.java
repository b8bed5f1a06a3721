package dev.originproxy.lb.redis;

import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancer;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The contract against the core's in-memory balancer, with a fake clock: the reference behaviour. */
class MemoryBalancerContractTest extends BalancerContractTest {
    private final FakeClock clock = new FakeClock(Instant.parse("2025-01-01T00:00:00Z"));

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(10);
    }

    @Override
    protected OriginLoadBalancer create(Map<String, String> config) {
        return new MemoryLoadBalancer(BalancerConfig.from(config), clock);
    }

    @Override
    protected void elapse(Duration d) {
        clock.advance(d);
    }
}
