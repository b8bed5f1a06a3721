package dev.originproxy.testplugin;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancerProvider;

import java.util.Map;

/**
 * A balancer plugin that the test loads as its own module ({@code test.echo.plugin}) in a child
 * module layer, the way a host loads plugins from a directory.
 */
public final class EchoBalancerProvider implements OriginLoadBalancerProvider {
    @Override
    public String name() {
        return "test-echo";
    }

    @Override
    public OriginLoadBalancer create(Map<String, String> config) {
        MemoryLoadBalancer m = new MemoryLoadBalancer();
        return OriginLoadBalancer.of("test-echo", m.registry(), m.placement(), m.sessions(), m.hlsSessions(), null);
    }
}
