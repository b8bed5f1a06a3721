package dev.originproxy.lb.redis;

import dev.originproxy.core.balancer.OriginLoadBalancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.HlsSession;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract against the {@code redis} balancer on one real redis-server, in real time with
 * short TTLs. Each balancer gets its own key prefix, so tests share the server but not state.
 */
class RedisStandaloneBalancerContractTest extends BalancerContractTest {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
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

    @Override
    protected Duration ttl() {
        return Duration.ofMillis(1000);
    }

    @Override
    protected OriginLoadBalancer create(Map<String, String> config) {
        Map<String, String> c = new HashMap<>(config);
        c.put("redis.port", Integer.toString(server.port()));
        c.put("redis.key-prefix", "contract" + PREFIXES.incrementAndGet() + ":");
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

    @Test
    void hlsSessionCreatedThroughOneProxyResolvesOnAnotherSharingTheServer() {
        Map<String, String> c = new HashMap<>();
        c.put("redis.port", Integer.toString(server.port()));
        c.put("redis.key-prefix", "fleet" + PREFIXES.incrementAndGet() + ":");
        try (OriginLoadBalancer a = new RedisLoadBalancerProvider().create(c);
             OriginLoadBalancer b = new RedisLoadBalancerProvider().create(c)) {
            HlsSession s = a.hlsSessions().create(StreamKey.of(null, "live", "livestream"), "origin-a");

            assertThat(b.hlsSessions().touch(s.id())).contains(s);
            assertThat(b.hlsSessions().list()).containsExactly(s);
            assertThat(b.hlsSessions().count()).isEqualTo(1);
        }
    }

    @Test
    void aFleetAgreesOnSuspicionThroughTheStore() {
        Map<String, String> c = new HashMap<>();
        c.put("redis.port", Integer.toString(server.port()));
        c.put("redis.key-prefix", "fleet" + PREFIXES.incrementAndGet() + ":");
        try (OriginLoadBalancer a = new RedisLoadBalancerProvider().create(c);
             OriginLoadBalancer b = new RedisLoadBalancerProvider().create(c)) {
            a.registry().register(origin("x"));
            a.registry().register(origin("y"));
            String placed = b.placement().pick(stream("s")).id();

            a.registry().suspect(placed, "test: ICMP port unreachable");

            assertThat(b.registry().suspects()).containsExactly(placed);
            assertThat(b.placement().pick(stream("s")).id()).isNotEqualTo(placed);
            b.registry().register(origin(placed)); // its heartbeat, through the other proxy
            assertThat(a.registry().suspects()).isEmpty();
        }
    }
}
