package dev.originproxy.core.balancer;

import dev.originproxy.core.Direction;
import dev.originproxy.core.FakeClock;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryLoadBalancerTest {
    private final FakeClock clock = new FakeClock();

    private MemoryLoadBalancer balancer(String... kv) {
        Map<String, String> cfg = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            cfg.put(kv[i], kv[i + 1]);
        }
        return new MemoryLoadBalancer(BalancerConfig.from(cfg), clock);
    }

    static OriginServer origin(String id) {
        return new OriginServer(id, null, "10.0.0." + (Math.abs(id.hashCode()) % 200 + 1),
                Map.of(OriginProtocol.API, List.of(OriginEndpoint.parse("1985")),
                        OriginProtocol.RTC, List.of(OriginEndpoint.parse("udp://0.0.0.0:8000"))),
                java.time.Instant.EPOCH);
    }

    static StreamKey key(String s) {
        return StreamKey.of(null, "live", s);
    }

    @Test
    void expiresOriginsThatMissTheirHeartbeats() {
        MemoryLoadBalancer lb = balancer("origin.ttl", "30s");
        lb.registry().register(origin("a"));
        clock.advance(Duration.ofSeconds(20));
        lb.registry().register(origin("b"));
        assertThat(lb.registry().liveOrigins()).extracting(OriginServer::id).containsExactly("a", "b");
        clock.advance(Duration.ofSeconds(11));
        assertThat(lb.registry().liveOrigins()).extracting(OriginServer::id).containsExactly("b");
        assertThat(lb.registry().find("a")).isEmpty();
        lb.registry().register(origin("a")); // heartbeat brings it back
        assertThat(lb.registry().find("a")).isPresent();
    }

    @Test
    void placementIsStickyWhileTheOriginLivesAndMovesWhenItExpires() {
        MemoryLoadBalancer lb = balancer("origin.ttl", "30s");
        lb.registry().register(origin("a"));
        lb.registry().register(origin("b"));
        OriginServer first = lb.placement().pick(key("s1"));
        for (int i = 0; i < 50; i++) {
            assertThat(lb.placement().pick(key("s1")).id()).isEqualTo(first.id());
        }
        String survivor = first.id().equals("a") ? "b" : "a";
        clock.advance(Duration.ofSeconds(25));
        lb.registry().register(origin(survivor));
        clock.advance(Duration.ofSeconds(10)); // first expired, survivor alive
        assertThat(lb.placement().pick(key("s1")).id()).isEqualTo(survivor);
        assertThat(lb.placement().placements()).containsEntry("__defaultVhost__/live/s1", survivor);
    }

    @Test
    void failsWithNoOriginAndUsesTheDefaultBackendWhenConfigured() {
        assertThatThrownBy(() -> balancer().placement().pick(key("s")))
                .isInstanceOf(NoOriginAvailableException.class).hasMessageContaining("no live origin");
        MemoryLoadBalancer lb = balancer("default.backend.enabled", "on", "default.backend.ip", "127.0.0.2",
                "default.backend.api", "2985", "default.backend.rtc", "9000", "default.backend.srt", "11080");
        OriginServer backend = lb.placement().pick(key("s"));
        assertThat(backend.id()).isEqualTo(BalancerConfig.DEFAULT_BACKEND_ID);
        assertThat(backend.address(OriginProtocol.API, OriginEndpoint.Transport.TCP))
                .contains(new InetSocketAddress("127.0.0.2", 2985));
        assertThat(backend.address(OriginProtocol.RTC, OriginEndpoint.Transport.UDP))
                .contains(new InetSocketAddress("127.0.0.2", 9000));
        lb.registry().register(origin("real"));
        assertThat(lb.registry().liveOrigins()).extracting(OriginServer::id).containsExactly("real");
        assertThat(lb.placement().pick(key("new")).id()).isEqualTo("real");
    }

    @Test
    void leastStreamsBalancesNewStreams() {
        MemoryLoadBalancer lb = balancer("placement.strategy", "least-streams");
        for (String id : List.of("a", "b", "c")) {
            lb.registry().register(origin(id));
        }
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            counts.merge(lb.placement().pick(key("s" + i)).id(), 1, Integer::sum);
        }
        assertThat(counts).containsEntry("a", 10).containsEntry("b", 10).containsEntry("c", 10);
    }

    @Test
    void randomSpreadsOverEveryOrigin() {
        MemoryLoadBalancer lb = balancer("placement.strategy", "random");
        for (String id : List.of("a", "b", "c")) {
            lb.registry().register(origin(id));
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            seen.add(lb.placement().pick(key("s" + i)).id());
        }
        assertThat(seen).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void hashPicksTheSameOriginOnEveryProxyAndMovesOnlyStreamsOfADepartedOrigin() {
        MemoryLoadBalancer one = balancer("placement.strategy", "hash", "origin.ttl", "30s");
        MemoryLoadBalancer two = balancer("placement.strategy", "hash", "origin.ttl", "30s");
        for (String id : List.of("o1", "o2", "o3", "o4")) {
            one.registry().register(origin(id));
            two.registry().register(origin(id));
        }
        Map<String, String> before = new HashMap<>();
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String a = one.placement().pick(key("s" + i)).id();
            assertThat(two.placement().pick(key("s" + i)).id()).isEqualTo(a);
            before.put("s" + i, a);
            used.add(a);
        }
        assertThat(used).hasSize(4);
        // o4 departs: only its streams move, and both proxies still agree.
        clock.advance(Duration.ofSeconds(20));
        MemoryLoadBalancer fresh = balancer("placement.strategy", "hash", "origin.ttl", "30s");
        for (String id : List.of("o1", "o2", "o3")) {
            fresh.registry().register(origin(id));
        }
        for (int i = 0; i < 200; i++) {
            String now = fresh.placement().pick(key("s" + i)).id();
            if (!before.get("s" + i).equals("o4")) {
                assertThat(now).isEqualTo(before.get("s" + i));
            } else {
                assertThat(now).isNotEqualTo("o4");
            }
        }
    }

    @RepeatedTest(20)
    void sixteenThreadsRacingForANewStreamAgreeOnOneOrigin() throws Exception {
        MemoryLoadBalancer lb = balancer("placement.strategy", "random");
        for (int i = 0; i < 8; i++) {
            lb.registry().register(origin("o" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (int round = 0; round < 25; round++) {
                StreamKey k = key("race-" + round);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<String>> picks = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    picks.add(pool.submit(() -> {
                        go.await();
                        return lb.placement().pick(k).id();
                    }));
                }
                go.countDown();
                Set<String> ids = new HashSet<>();
                for (Future<String> f : picks) {
                    ids.add(f.get());
                }
                assertThat(ids).as("round %d", round).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void storesFindsRefreshesAndExpiresSessions() {
        MemoryLoadBalancer lb = balancer("session.ttl", "10s");
        AtomicInteger removed = new AtomicInteger();
        lb.sessions().addRemovalListener(s -> removed.incrementAndGet());
        WebRtcSession s = new WebRtcSession("id1", "aaaa:bbbb", "pwd", key("s"), "o1",
                new InetSocketAddress("127.0.0.1", 8000), Direction.PUBLISH, clock.instant(), "/rtc/v1/whip/?x");
        lb.sessions().store(s);
        assertThat(lb.sessions().find("aaaa:bbbb")).contains(s);
        assertThat(lb.sessions().findById("id1")).contains(s);
        clock.advance(Duration.ofSeconds(8));
        assertThat(lb.sessions().refresh("aaaa:bbbb")).isTrue();
        clock.advance(Duration.ofSeconds(8));
        assertThat(lb.sessions().find("aaaa:bbbb")).isPresent();
        assertThat(lb.sessions().list()).containsExactly(s);
        clock.advance(Duration.ofSeconds(11));
        assertThat(lb.sessions().find("aaaa:bbbb")).isEmpty();
        assertThat(lb.sessions().refresh("aaaa:bbbb")).isFalse();
        assertThat(lb.sessions().findById("id1")).isEmpty();

        lb.sessions().store(s);
        assertThat(lb.sessions().remove("aaaa:bbbb")).isTrue();
        assertThat(lb.sessions().remove("aaaa:bbbb")).isFalse();
        assertThat(removed).hasValue(1);
        assertThat(lb.sessions().find("aaaa:bbbb")).isEmpty();
    }

    @Test
    void sessionJsonRoundTrips() {
        WebRtcSession s = new WebRtcSession("id1", "aaaa:bbbb", "p\"wd", key("s"), "o1",
                new InetSocketAddress("::1", 8000), Direction.PLAY, clock.instant(), null);
        assertThat(WebRtcSession.fromJson(s.toJson())).isEqualTo(s);
        assertThatThrownBy(() -> WebRtcSession.fromJson("{\"id\":\"x\"}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebRtcSession.fromJson("nope")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badSettingsNameTheirKey() {
        assertThatThrownBy(() -> balancer("origin.ttl", "soon")).hasMessageStartingWith("origin.ttl");
        assertThatThrownBy(() -> balancer("placement.strategy", "fastest")).hasMessageStartingWith("placement.strategy");
        assertThatThrownBy(() -> balancer("default.backend.enabled", "on", "default.backend.api", "x"))
                .hasMessageStartingWith("default.backend.api");
        assertThat(BalancerConfig.parseDuration("k", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(BalancerConfig.parseDuration("k", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(BalancerConfig.parseDuration("k", "300")).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void expiredPlacementsAreEvictedNotJustFiltered() {
        MemoryLoadBalancer lb = balancer("origin.ttl", "600s", "placement.ttl", "80s");
        lb.registry().register(origin("a"));
        for (int i = 0; i < 1000; i++) {
            lb.placement().pick(key("attacker-chosen-" + i));
        }
        assertThat(lb.placementCount()).isEqualTo(1000);
        clock.advance(Duration.ofSeconds(81));
        lb.placement().pick(key("one-more"));
        // before: all 1,001 stayed in the map for ever, scanned by least-streams on every new pick
        assertThat(lb.placementCount()).isEqualTo(1);
    }
}
