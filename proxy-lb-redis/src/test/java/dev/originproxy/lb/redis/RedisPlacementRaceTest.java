package dev.originproxy.lb.redis;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.OriginLoadBalancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two proxies (two balancer instances over one Redis) race to place the same new streams from
 * many threads: placement must be atomic across them, so every racer of a stream gets the same
 * origin.
 */
class RedisPlacementRaceTest {
    private static final int THREADS_PER_PROXY = 8;
    private static final int STREAMS = 1_000;
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

    private static OriginLoadBalancer proxy(String strategy) {
        return new RedisLoadBalancerProvider().create(Map.of(
                "redis.port", Integer.toString(server.port()),
                "redis.key-prefix", "race-" + strategy + ":",
                "placement.strategy", strategy,
                "origin.ttl", "60s"));
    }

    @Test
    void racingProxiesAgreeOnTheOriginOfEveryNewStream() throws Exception {
        assertAgreement("random");
    }

    @Test
    void racingProxiesAgreeUnderLeastStreams() throws Exception {
        assertAgreement("least-streams");
    }

    private void assertAgreement(String strategy) throws Exception {
        try (OriginLoadBalancer one = proxy(strategy); OriginLoadBalancer two = proxy(strategy)) {
            for (String id : List.of("a", "b", "c", "d")) {
                one.registry().register(BalancerContractTest.origin(id));
            }
            int racers = 2 * THREADS_PER_PROXY;
            String[][] picks = new String[STREAMS][racers];
            // Every racer waits for all others before each stream, so all of them hit the new
            // stream at once instead of drifting apart.
            CyclicBarrier barrier = new CyclicBarrier(racers);
            ExecutorService pool = Executors.newFixedThreadPool(racers);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int r = 0; r < racers; r++) {
                    int racer = r;
                    OriginLoadBalancer proxy = r % 2 == 0 ? one : two;
                    done.add(pool.submit(() -> {
                        for (int s = 0; s < STREAMS; s++) {
                            barrier.await(30, TimeUnit.SECONDS);
                            picks[s][racer] = proxy.placement().pick(StreamKey.of(null, "race", "s" + s)).id();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            Set<String> used = new HashSet<>();
            for (int s = 0; s < STREAMS; s++) {
                Set<String> distinct = new HashSet<>(List.of(picks[s]));
                assertThat(distinct).as("origins picked for stream s%d", s).hasSize(1);
                used.addAll(distinct);
            }
            assertThat(used).containsExactlyInAnyOrder("a", "b", "c", "d");
            assertThat(one.placement().placements()).hasSize(STREAMS).isEqualTo(two.placement().placements());
        }
    }
}
