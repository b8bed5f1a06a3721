package dev.originproxy.lb.redis;

import dev.originproxy.core.balancer.OriginLoadBalancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The contract against the {@code redis} balancer on a real three-master Redis Cluster: every
 * script must stay within the one {@code {op}} slot, and the cluster client must route to it.
 */
class RedisClusterBalancerContractTest extends BalancerContractTest {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static RedisClusterProcess cluster;

    @RegisterExtension
    final LogOnFailure logs = new LogOnFailure(() -> cluster == null ? "(not started)" : cluster.logs());

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisClusterProcess.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected Duration ttl() {
        return Duration.ofMillis(1000);
    }

    @Override
    protected OriginLoadBalancer create(Map<String, String> config) {
        Map<String, String> c = new HashMap<>(config);
        c.put("redis.cluster.nodes", cluster.seeds());
        c.put("redis.key-prefix", "cluster" + PREFIXES.incrementAndGet() + ":");
        return new RedisLoadBalancerProvider().create(c);
    }

    @Override
    protected void elapse(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
