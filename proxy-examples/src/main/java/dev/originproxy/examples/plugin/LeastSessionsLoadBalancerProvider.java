package dev.originproxy.examples.plugin;

import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancerProvider;

import java.time.Clock;
import java.util.Map;

/**
 * An example load-balancer plugin, {@code least-sessions}: new streams go to the live origin that
 * carries the fewest WebRTC sessions right now (then the fewest placed streams, then the lowest
 * id), instead of the built-in random, least-streams or hash pick. Select it with
 * {@code PROXY_LOAD_BALANCER_TYPE=least-sessions} or
 * {@code OriginLoadBalancers.create("least-sessions", settings)}.
 *
 * <p>It shows the pattern for a plugin that replaces one role and keeps the others: the origin
 * registry and the session store are the in-memory balancer's, the placement is
 * {@link LeastSessionsPlacement}, combined with {@link OriginLoadBalancer#of}. It is registered
 * twice, as a JPMS {@code provides} in {@code module-info.java} and in
 * {@code META-INF/services}, so {@link java.util.ServiceLoader} finds it on the module path and on
 * the class path (the shaded gateway jar).
 *
 * <p>Settings: the common {@link BalancerConfig} keys ({@code placement.strategy} is ignored).
 * Stateless and thread-safe.
 */
public final class LeastSessionsLoadBalancerProvider implements OriginLoadBalancerProvider {
    /** The name hosts select it by. */
    public static final String NAME = "least-sessions";

    /** Creates the provider ({@link java.util.ServiceLoader} needs a public no-argument constructor). */
    public LeastSessionsLoadBalancerProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public OriginLoadBalancer create(Map<String, String> config) {
        BalancerConfig common = BalancerConfig.from(config);
        MemoryLoadBalancer memory = new MemoryLoadBalancer(common, Clock.systemUTC());
        return OriginLoadBalancer.of(NAME, memory.registry(),
                new LeastSessionsPlacement(memory.registry(), memory.sessions(), common.placementTtl(),
                        Clock.systemUTC()),
                memory.sessions(), memory.hlsSessions(), memory::close);
    }
}
