package dev.originproxy.lb.redis;

import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancerProvider;
import dev.originproxy.core.balancer.OriginLoadBalancers;
import dev.originproxy.lb.redis.internal.RedisLoadBalancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Finding the provider by name, and its handling of settings. */
class RedisProviderTest {
    private static RedisServerProcess server;

    @RegisterExtension
    final LogOnFailure logs = new LogOnFailure(() -> server == null ? "(not started)" : server.log());

    @BeforeAll
    static void startRedis() throws Exception {
        server = RedisServerProcess.onFreePort().start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void serviceLoaderFindsTheRedisBalancerOnTheModulePath() {
        // Surefire runs this module's tests on the module path: the lookup goes through `provides`.
        assertThat(RedisLoadBalancerProvider.class.getModule().getName()).isEqualTo("dev.originproxy.lb.redis");
        ModuleLayer layer = RedisLoadBalancerProvider.class.getModule().getLayer();
        assertThat(OriginLoadBalancers.providersIn(layer).stream().map(OriginLoadBalancerProvider::name)
                .collect(Collectors.toList())).contains("memory", "redis");
        assertThat(OriginLoadBalancers.provider("redis", layer)).isInstanceOf(RedisLoadBalancerProvider.class);

        try (OriginLoadBalancer b = OriginLoadBalancers.create("redis", Map.of(
                "redis.port", Integer.toString(server.port()), "redis.key-prefix", "loader:"))) {
            assertThat(b).isInstanceOf(RedisLoadBalancer.class);
            assertThat(b.name()).isEqualTo("redis");
            b.registry().register(BalancerContractTest.origin("a"));
            assertThat(b.registry().find("a")).isPresent();
        }
    }

    @Test
    void creatingAStandaloneBalancerDoesNotConnectButCallsFailAsUnavailable() throws Exception {
        int closedPort = RedisServerProcess.freePort();
        try (OriginLoadBalancer b = new RedisLoadBalancerProvider().create(Map.of("redis.port", Integer.toString(closedPort)))) {
            assertThatThrownBy(() -> b.registry().register(BalancerContractTest.origin("a")))
                    .isInstanceOf(BalancerUnavailableException.class)
                    .hasMessageContaining("127.0.0.1:" + closedPort);
        }
    }

    @Test
    void badSettingsFailNamingTheirKey() {
        assertBad("redis.port", "70000");
        assertBad("redis.port", "x");
        assertBad("redis.database", "-1");
        assertBad("redis.pool-size", "0");
        assertBad("redis.timeout", "soon");
        assertBad("redis.tls", "maybe");
        assertBad("redis.key-prefix", "a{b}:");
        assertBad("redis.cluster.nodes", "127.0.0.1");
        assertBad("redis.sentinels", "host:port");
        assertBad("placement.strategy", "round-robin");
        assertBad("origin.ttl", "-5s");
        assertThatThrownBy(() -> create(Map.of("redis.sentinels", "127.0.0.1:26379")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("redis.sentinel.master");
        assertThatThrownBy(() -> create(Map.of("redis.sentinel.master", "mymaster")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("redis.sentinels");
        assertThatThrownBy(() -> create(Map.of("redis.cluster.nodes", "127.0.0.1:7000", "redis.database", "2")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("redis.database");
        assertThatThrownBy(() -> create(Map.of("redis.cluster.nodes", "127.0.0.1:7000",
                "redis.sentinel.master", "m", "redis.sentinels", "127.0.0.1:26379")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("redis.cluster.nodes");
    }

    private static void assertBad(String key, String value) {
        Map<String, String> c = new HashMap<>();
        c.put(key, value);
        assertThatThrownBy(() -> create(c)).as("%s=%s", key, value)
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(key);
    }

    private static void create(Map<String, String> config) {
        new RedisLoadBalancerProvider().create(config).close();
    }
}
