package dev.originproxy.core.balancer;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class OriginHealthTest {
    private final MemoryLoadBalancer balancer = new MemoryLoadBalancer();

    private static OriginServer origin(String id) {
        return new OriginServer(id, null, "10.0.0.1",
                Map.of(OriginProtocol.SRT, List.of(OriginEndpoint.parse("10080"))), Instant.EPOCH);
    }

    private static void await(BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!c.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(c.getAsBoolean()).isTrue();
    }

    @Test
    void aReportIsVisibleAtOnceLocallyAndSoonInTheRegistry() throws Exception {
        balancer.registry().register(origin("a"));
        balancer.registry().register(origin("b"));
        try (OriginHealth health = OriginHealth.builder().registry(balancer.registry())
                .refreshInterval(Duration.ofMillis(50)).build().start()) {
            health.report("a", "test: ICMP port unreachable");
            assertThat(health.isSuspect("a")).isTrue();
            await(() -> balancer.registry().suspects().contains("a"));
            assertThat(balancer.placement().pick(StreamKey.of(null, "live", "s")).id()).isEqualTo("b");
            health.report("a", "again"); // no second report while suspect
            assertThat(health.reports()).isEqualTo(1);
        }
    }

    @Test
    void aHeartbeatClearsTheLocalSnapshotToo() throws Exception {
        balancer.registry().register(origin("a"));
        try (OriginHealth health = OriginHealth.builder().registry(balancer.registry())
                .refreshInterval(Duration.ofMillis(50)).build().start()) {
            health.report("a", "test");
            await(() -> balancer.registry().suspects().contains("a"));

            balancer.registry().register(origin("a"));

            await(() -> !health.isSuspect("a"));
        }
    }

    @Test
    void suspicionReportedByAnotherProxyReachesTheSnapshot() throws Exception {
        balancer.registry().register(origin("a"));
        try (OriginHealth health = OriginHealth.builder().registry(balancer.registry())
                .refreshInterval(Duration.ofMillis(50)).build().start()) {
            balancer.registry().suspect("a", "another proxy saw it die");
            await(() -> health.isSuspect("a"));
        }
    }
}
