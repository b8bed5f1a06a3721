package dev.originproxy.lb.redis;

import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancerProvider;
import dev.originproxy.lb.redis.internal.RedisLoadBalancer;
import dev.originproxy.lb.redis.internal.RedisSettings;

import java.time.Clock;
import java.util.Map;

/**
 * The {@code redis} balancer provider: an {@link OriginLoadBalancer} whose origins, stream
 * placements and WebRTC sessions live in Redis, so every proxy of a fleet sees the same origins,
 * agrees on which origin serves a stream, and can carry media for a session signalled by another
 * proxy. Found by {@link java.util.ServiceLoader} ({@code OriginLoadBalancers.create("redis", config)})
 * on the module path and the class path.
 *
 * <table>
 *   <caption>settings (besides the common {@link BalancerConfig} keys)</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>redis.host</td><td>127.0.0.1</td><td>standalone server host</td></tr>
 *   <tr><td>redis.port</td><td>6379</td><td>standalone server port</td></tr>
 *   <tr><td>redis.user</td><td>(none)</td><td>ACL user name (Redis 6+)</td></tr>
 *   <tr><td>redis.password</td><td>(none)</td><td>password (AUTH)</td></tr>
 *   <tr><td>redis.database</td><td>0</td><td>database index (must be 0 in cluster mode)</td></tr>
 *   <tr><td>redis.key-prefix</td><td>originproxy:</td><td>prefix of every key; no braces</td></tr>
 *   <tr><td>redis.tls</td><td>false</td><td>connect with TLS (JVM default trust store)</td></tr>
 *   <tr><td>redis.timeout</td><td>2s</td><td>connect and socket timeout; also the pool wait</td></tr>
 *   <tr><td>redis.pool-size</td><td>16</td><td>connections per server</td></tr>
 *   <tr><td>redis.cluster.nodes</td><td>(none)</td><td>comma list of {@code host:port} seeds: Cluster mode</td></tr>
 *   <tr><td>redis.sentinel.master</td><td>(none)</td><td>master name: Sentinel mode (with redis.sentinels)</td></tr>
 *   <tr><td>redis.sentinels</td><td>(none)</td><td>comma list of sentinel {@code host:port}</td></tr>
 * </table>
 *
 * <p>A bad value fails {@link #create} with an {@link IllegalArgumentException} naming the key.
 * Every method of the balancers it creates does blocking network I/O: routers must call them on an
 * executor, never on a relay worker. When Redis cannot be reached, calls fail fast with
 * {@link dev.originproxy.core.balancer.BalancerUnavailableException} and back off (100 ms doubling
 * to 5 s) before touching the network again; they resume by themselves when Redis answers.
 *
 * <p>Stateless and thread-safe; the balancers it creates are thread-safe and must be
 * {@linkplain OriginLoadBalancer#close() closed} to release their connections.
 */
public final class RedisLoadBalancerProvider implements OriginLoadBalancerProvider {
    /** The name hosts select this balancer by. */
    public static final String NAME = "redis";

    /** Creates the provider ({@link java.util.ServiceLoader} needs a public no-argument constructor). */
    public RedisLoadBalancerProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Creates a balancer and its connection pool. Standalone and Sentinel mode connect lazily on
     * first use; Cluster mode reads the slot map from a seed node now.
     *
     * @throws IllegalArgumentException naming the key of a bad setting
     * @throws dev.originproxy.core.balancer.BalancerUnavailableException when Cluster or Sentinel
     *         mode cannot reach any seed node
     */
    @Override
    public OriginLoadBalancer create(Map<String, String> config) {
        BalancerConfig common = BalancerConfig.from(config);
        RedisSettings settings = RedisSettings.from(config);
        return RedisLoadBalancer.connect(common, settings, Clock.systemUTC());
    }
}
