package dev.originproxy.lb.redis;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.HlsSession;
import dev.originproxy.core.balancer.HlsSessionIds;
import dev.originproxy.core.balancer.HlsSessionLimitException;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The behaviour every {@link OriginLoadBalancer} owes the routers, run against each
 * implementation. A subclass says how to make a balancer with its own empty state, which TTL it
 * wants, and how time passes: a fake clock for the in-memory balancer, real time (short TTLs) for
 * Redis. Expiry is awaited by stepping time until a condition holds, with a deadline, so both
 * kinds of time fit.
 */
abstract class BalancerContractTest {
    private final List<OriginLoadBalancer> created = new ArrayList<>();

    /** The TTL of origins and sessions the contract configures. */
    protected abstract Duration ttl();

    /** A balancer with its own, empty state. */
    protected abstract OriginLoadBalancer create(Map<String, String> config);

    /** Lets {@code d} of the balancer's time pass (advance a fake clock, or sleep). */
    protected abstract void elapse(Duration d);

    @AfterEach
    void closeBalancers() {
        created.forEach(OriginLoadBalancer::close);
        created.clear();
    }

    private OriginLoadBalancer balancer(String... extra) {
        Map<String, String> c = new HashMap<>();
        c.put("origin.ttl", ttl().toMillis() + "ms");
        c.put("session.ttl", ttl().toMillis() + "ms");
        c.put("hls.session.ttl", ttl().toMillis() + "ms");
        // Placements outlive the tests, so a re-placement proves origin expiry, not placement expiry.
        c.put("placement.ttl", ttl().multipliedBy(30).toMillis() + "ms");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            c.put(extra[i], extra[i + 1]);
        }
        OriginLoadBalancer b = create(c);
        created.add(b);
        return b;
    }

    private Duration fraction(double f) {
        return Duration.ofMillis((long) (ttl().toMillis() * f));
    }

    /** Steps time until {@code condition} holds; fails after three TTLs of waiting. */
    private void awaitUntil(String what, BooleanSupplier condition) {
        Duration step = Duration.ofMillis(Math.max(5, ttl().toMillis() / 40));
        long limit = ttl().toMillis() * 3;
        long waited = 0;
        while (!condition.getAsBoolean()) {
            if (waited > limit) {
                fail("not within " + limit + " ms: " + what);
            }
            elapse(step);
            waited += step.toMillis();
        }
    }

    static OriginServer origin(String id) {
        return new OriginServer(id, "dev-" + id, "10.0.0." + (Math.abs(id.hashCode()) % 250 + 1),
                Map.of(OriginProtocol.API, List.of(OriginEndpoint.parse("1985")),
                        OriginProtocol.RTC, List.of(OriginEndpoint.parse("udp://0.0.0.0:8000")),
                        OriginProtocol.RTMP, List.of(OriginEndpoint.parse("1935"))),
                Instant.EPOCH);
    }

    static StreamKey stream(String name) {
        return StreamKey.of(null, "live", name);
    }

    static WebRtcSession session(String id, String username) {
        return new WebRtcSession(id, username, "pwd-" + id, stream("s-" + id), "origin-a",
                new InetSocketAddress("10.0.0.1", 8000), Direction.PUBLISH, Instant.ofEpochMilli(1_700_000_000_000L),
                "/rtc/v1/whip/?app=live&stream=s-" + id);
    }

    private static List<String> ids(List<OriginServer> origins) {
        return origins.stream().map(OriginServer::id).collect(Collectors.toList());
    }

    // ---- registry ----

    @Test
    void registeredOriginIsListedAndFoundWithTheRegistrysHeartbeatTime() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("b"));
        b.registry().register(origin("a"));

        assertThat(ids(b.registry().liveOrigins())).containsExactly("a", "b");
        OriginServer found = b.registry().find("a").orElseThrow();
        assertThat(found).isEqualTo(origin("a"));
        assertThat(found.lastHeartbeat()).isAfter(Instant.EPOCH);
        assertThat(b.registry().find("nope")).isEmpty();
        assertThat(b.registry().originTtl()).isEqualTo(ttl());
    }

    @Test
    void heartbeatKeepsAnOriginAlivePastItsFirstTtl() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("a"));
        elapse(fraction(0.6));
        b.registry().register(origin("a"));
        elapse(fraction(0.6));

        assertThat(ids(b.registry().liveOrigins())).containsExactly("a");
        assertThat(b.registry().find("a")).isPresent();
    }

    @Test
    void originWithoutHeartbeatExpires() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("a"));
        assertThat(b.registry().find("a")).isPresent();

        awaitUntil("origin a expires", () -> b.registry().find("a").isEmpty());
        assertThat(b.registry().liveOrigins()).isEmpty();
    }

    @Test
    void liveOriginsOmitsAnExpiredOriginAndKeepsAFreshOne() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("old"));
        elapse(fraction(0.6));
        b.registry().register(origin("fresh"));

        awaitUntil("origin old leaves the live list", () -> !ids(b.registry().liveOrigins()).contains("old"));
        assertThat(ids(b.registry().liveOrigins())).containsExactly("fresh");
    }

    @Test
    void concurrentHeartbeatsOfManyOriginsLoseNone() throws Exception {
        OriginLoadBalancer b = balancer();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int offset = t;
                done.add(pool.submit(() -> {
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < 50; i++) {
                            b.registry().register(origin(String.format("o%02d", (i + offset * 7) % 50)));
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(b.registry().liveOrigins()).hasSize(50);
    }

    @Test
    void defaultBackendStandsInWhileNoOriginIsRegistered() {
        OriginLoadBalancer b = balancer("default.backend.enabled", "true", "default.backend.ip", "10.9.9.9");

        assertThat(ids(b.registry().liveOrigins())).containsExactly(BalancerConfig.DEFAULT_BACKEND_ID);
        assertThat(b.registry().find(BalancerConfig.DEFAULT_BACKEND_ID)).isPresent();
        assertThat(b.placement().pick(stream("s")).ip()).isEqualTo("10.9.9.9");

        b.registry().register(origin("a"));
        assertThat(ids(b.registry().liveOrigins())).containsExactly("a");
    }

    // ---- placement ----

    @Test
    void pickWithoutLiveOriginsThrowsNoOriginAvailable() {
        OriginLoadBalancer b = balancer();
        assertThatThrownBy(() -> b.placement().pick(stream("s"))).isInstanceOf(NoOriginAvailableException.class);
    }

    @Test
    void placementIsStickyWhileItsOriginLives() {
        OriginLoadBalancer b = balancer();
        for (String id : List.of("a", "b", "c", "d", "e")) {
            b.registry().register(origin(id));
        }
        String first = b.placement().pick(stream("s")).id();
        for (int i = 0; i < 20; i++) {
            assertThat(b.placement().pick(stream("s")).id()).isEqualTo(first);
        }
        assertThat(b.placement().placements()).containsEntry(stream("s").toString(), first);
    }

    @Test
    void streamIsPlacedAgainAfterItsOriginExpired() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("a"));
        b.registry().register(origin("b"));
        OriginServer first = b.placement().pick(stream("s"));
        String other = first.id().equals("a") ? "b" : "a";

        elapse(fraction(0.6));
        b.registry().register(origin(other));
        awaitUntil("origin " + first.id() + " expires", () -> b.registry().find(first.id()).isEmpty());

        assertThat(b.placement().pick(stream("s")).id()).isEqualTo(other);
        assertThat(b.placement().pick(stream("s")).id()).isEqualTo(other);
        assertThat(b.placement().placements()).containsEntry(stream("s").toString(), other);
    }

    // ---- origin suspicion (issue 15 item 1), protocol-aware placement (item 2), release (item 5) ----

    @Test
    void aSuspectOriginLeavesTheLiveListAndItsStreamsArePlacedAgain() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("a"));
        b.registry().register(origin("b"));
        OriginServer first = b.placement().pick(stream("s"));
        String other = first.id().equals("a") ? "b" : "a";

        b.registry().suspect(first.id(), "test: connection refused");

        assertThat(b.registry().suspects()).containsExactly(first.id());
        assertThat(ids(b.registry().liveOrigins())).containsExactly(other);
        assertThat(b.placement().pick(stream("s")).id()).isEqualTo(other);
        for (int i = 0; i < 10; i++) {
            assertThat(b.placement().pick(stream("new-" + i)).id()).isEqualTo(other);
        }
    }

    @Test
    void aHeartbeatClearsSuspicion() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("a"));
        b.registry().suspect("a", "test");
        assertThatThrownBy(() -> b.placement().pick(stream("s"))).isInstanceOf(NoOriginAvailableException.class);

        b.registry().register(origin("a"));

        assertThat(b.registry().suspects()).isEmpty();
        assertThat(b.placement().pick(stream("s")).id()).isEqualTo("a");
    }

    @Test
    void suspicionOfAnUnknownOriginIsIgnored() {
        OriginLoadBalancer b = balancer();
        b.registry().suspect("never-registered", "test");
        assertThat(b.registry().suspects()).isEmpty();
    }

    @Test
    void aNewStreamIsPlacedOnlyOnAnOriginOfItsProtocols() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("a")); // API, RTC, RTMP: no SRT
        b.registry().register(srtOrigin("z"));
        for (int i = 0; i < 10; i++) {
            assertThat(b.placement().pick(stream("srt-" + i), Set.of(OriginProtocol.SRT)).id()).isEqualTo("z");
            assertThat(b.placement().pick(stream("whip-" + i), Set.of(OriginProtocol.API, OriginProtocol.RTC)).id())
                    .isEqualTo("a");
        }
    }

    @Test
    void aMissingProtocolIsNamedInTheError() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("a"));
        assertThatThrownBy(() -> b.placement().pick(stream("s"), Set.of(OriginProtocol.SRT)))
                .isInstanceOf(NoOriginAvailableException.class).hasMessageContaining("SRT");

        b.registry().register(srtOrigin("z"));
        b.placement().pick(stream("t"), Set.of(OriginProtocol.RTMP)); // placed on a: z has no RTMP
        // a player over SRT must meet the RTMP publisher on a, which has no SRT: a clear error
        assertThatThrownBy(() -> b.placement().pick(stream("t"), Set.of(OriginProtocol.SRT)))
                .isInstanceOf(NoOriginAvailableException.class)
                .hasMessageContaining("origin a").hasMessageContaining("SRT");
    }

    @Test
    void releaseForgetsAPlacementOnlyWhileItIsOnThatOrigin() {
        OriginLoadBalancer b = balancer();
        b.registry().register(origin("a"));
        b.placement().pick(stream("s"));
        assertThat(b.placement().placements()).containsKey(stream("s").toString());

        b.placement().release(stream("s"), "some-other-origin");
        assertThat(b.placement().placements()).containsEntry(stream("s").toString(), "a");

        b.placement().release(stream("s"), "a");
        assertThat(b.placement().placements()).doesNotContainKey(stream("s").toString());
    }

    static OriginServer srtOrigin(String id) {
        return new OriginServer(id, "dev-" + id, "10.0.1." + (Math.abs(id.hashCode()) % 250 + 1),
                Map.of(OriginProtocol.SRT, List.of(OriginEndpoint.parse("udp://0.0.0.0:10080"))), Instant.EPOCH);
    }

    @Test
    void hashStrategyPicksTheSameOriginOnIndependentInstances() {
        OriginLoadBalancer one = balancer("placement.strategy", "hash");
        OriginLoadBalancer two = balancer("placement.strategy", "hash");
        MemoryLoadBalancer reference = new MemoryLoadBalancer(BalancerConfig.from(Map.of("placement.strategy", "hash")),
                Clock.systemUTC());
        for (String id : List.of("e", "a", "c", "b", "d")) {
            one.registry().register(origin(id));
            two.registry().register(origin(id));
            reference.registry().register(origin(id));
        }
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            String a = one.placement().pick(stream("s" + i)).id();
            assertThat(two.placement().pick(stream("s" + i)).id()).isEqualTo(a);
            assertThat(reference.placement().pick(stream("s" + i)).id()).isEqualTo(a);
            used.add(a);
        }
        assertThat(used).hasSizeGreaterThan(1);
    }

    @Test
    void leastStreamsStrategySpreadsNewStreamsEvenly() {
        OriginLoadBalancer b = balancer("placement.strategy", "least-streams");
        for (String id : List.of("a", "b", "c")) {
            b.registry().register(origin(id));
        }
        for (int i = 0; i < 9; i++) {
            b.placement().pick(stream("s" + i));
        }
        Map<String, Long> perOrigin = b.placement().placements().values().stream()
                .collect(Collectors.groupingBy(v -> v, Collectors.counting()));
        assertThat(perOrigin).containsOnly(Map.entry("a", 3L), Map.entry("b", 3L), Map.entry("c", 3L));
    }

    @Test
    void randomStrategyUsesEveryLiveOrigin() {
        OriginLoadBalancer b = balancer("placement.strategy", "random");
        for (String id : List.of("a", "b", "c")) {
            b.registry().register(origin(id));
        }
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            used.add(b.placement().pick(stream("s" + i)).id());
        }
        // Missing one of three origins in 60 uniform picks has probability ~1e-10.
        assertThat(used).containsExactlyInAnyOrder("a", "b", "c");
    }

    // ---- sessions ----

    @Test
    void storedSessionIsFoundByUsernameAndIdAndListed() {
        OriginLoadBalancer b = balancer();
        WebRtcSession s = session("id1", "answer1:offer1");
        b.sessions().store(s);

        assertThat(b.sessions().find("answer1:offer1")).contains(s);
        assertThat(b.sessions().findById("id1")).contains(s);
        assertThat(b.sessions().list()).containsExactly(s);
        assertThat(b.sessions().find("other:user")).isEmpty();
        assertThat(b.sessions().findById("other")).isEmpty();
    }

    @Test
    void refreshKeepsASessionAlivePastItsFirstTtl() {
        OriginLoadBalancer b = balancer();
        b.sessions().store(session("id1", "answer1:offer1"));
        elapse(fraction(0.6));
        assertThat(b.sessions().refresh("answer1:offer1")).isTrue();
        elapse(fraction(0.6));

        assertThat(b.sessions().find("answer1:offer1")).isPresent();
        assertThat(b.sessions().findById("id1")).isPresent();
    }

    @Test
    void sessionExpiresWithoutRefresh() {
        OriginLoadBalancer b = balancer();
        b.sessions().store(session("id1", "answer1:offer1"));

        awaitUntil("session expires", () -> b.sessions().find("answer1:offer1").isEmpty());
        assertThat(b.sessions().findById("id1")).isEmpty();
        assertThat(b.sessions().list()).isEmpty();
        assertThat(b.sessions().refresh("answer1:offer1")).isFalse();
    }

    @Test
    void removeDeletesTheSessionAndTellsListenersOnce() throws Exception {
        OriginLoadBalancer b = balancer();
        WebRtcSession s = session("id1", "answer1:offer1");
        List<WebRtcSession> told = new CopyOnWriteArrayList<>();
        b.sessions().addRemovalListener(told::add);
        b.sessions().store(s);

        // Eight removers race; exactly one wins.
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return b.sessions().remove("answer1:offer1");
                }));
            }
            go.countDown();
            int wins = 0;
            for (Future<Boolean> r : results) {
                wins += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(wins).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(told).containsExactly(s);
        assertThat(b.sessions().find("answer1:offer1")).isEmpty();
        assertThat(b.sessions().findById("id1")).isEmpty();
        assertThat(b.sessions().list()).isEmpty();
        assertThat(b.sessions().remove("answer1:offer1")).isFalse();
        assertThat(b.sessions().refresh("answer1:offer1")).isFalse();
        assertThat(told).hasSize(1);
    }

    @Test
    void sessionUnderNewCredentialsKeepsItsIdAfterTheOldUsernameIsRemoved() {
        OriginLoadBalancer b = balancer();
        WebRtcSession before = session("id1", "answer1:offer1");
        WebRtcSession after = before.withCredentials("answer2:offer2", "pwd2");
        b.sessions().store(before);
        b.sessions().store(after);
        assertThat(b.sessions().remove("answer1:offer1")).isTrue();

        assertThat(b.sessions().findById("id1")).contains(after);
        assertThat(b.sessions().find("answer2:offer2")).contains(after);
        assertThat(b.sessions().list()).containsExactly(after);
    }

    // ---- HLS sessions ----

    @Test
    void createdHlsSessionResolvesToItsStreamAndOriginAndIsListed() {
        OriginLoadBalancer b = balancer();
        HlsSession s = b.hlsSessions().create(stream("hls1"), "origin-a");

        assertThat(HlsSessionIds.isWellFormed(s.id())).isTrue();
        assertThat(b.hlsSessions().touch(s.id())).contains(s);
        assertThat(s.streamKey()).isEqualTo(stream("hls1"));
        assertThat(s.originId()).isEqualTo("origin-a");
        assertThat(b.hlsSessions().list()).containsExactly(s);
        assertThat(b.hlsSessions().count()).isEqualTo(1);
    }

    @Test
    void hlsSessionIdsAreDistinct() {
        OriginLoadBalancer b = balancer();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            ids.add(b.hlsSessions().create(stream("hls"), "origin-a").id());
        }
        assertThat(ids).hasSize(200);
    }

    @Test
    void unknownOrMalformedHlsSessionIdResolvesToNothing() {
        OriginLoadBalancer b = balancer();
        b.hlsSessions().create(stream("hls1"), "origin-a");

        assertThat(b.hlsSessions().touch(new HlsSessionIds().next())).isEmpty();
        assertThat(b.hlsSessions().touch("")).isEmpty();
        assertThat(b.hlsSessions().touch(null)).isEmpty();
        assertThat(b.hlsSessions().touch("../../etc/passwd")).isEmpty();
        assertThat(b.hlsSessions().touch("*")).isEmpty();
        assertThat(b.hlsSessions().touch("x".repeat(10_000))).isEmpty();
    }

    @Test
    void touchKeepsAnHlsSessionAlivePastItsFirstTtl() {
        OriginLoadBalancer b = balancer();
        HlsSession s = b.hlsSessions().create(stream("hls1"), "origin-a");
        elapse(fraction(0.6));
        assertThat(b.hlsSessions().touch(s.id())).isPresent();
        elapse(fraction(0.6));

        assertThat(b.hlsSessions().touch(s.id())).contains(s);
    }

    @Test
    void hlsSessionExpiresWithoutUse() {
        OriginLoadBalancer b = balancer();
        HlsSession s = b.hlsSessions().create(stream("hls1"), "origin-a");

        awaitUntil("HLS session expires", () -> b.hlsSessions().count() == 0);
        assertThat(b.hlsSessions().touch(s.id())).isEmpty();
        assertThat(b.hlsSessions().list()).isEmpty();
    }

    @Test
    void hlsSessionsAreBoundedAndFreeSlotsAsTheyExpire() {
        OriginLoadBalancer b = balancer("hls.sessions.max", "3");
        for (int i = 0; i < 3; i++) {
            b.hlsSessions().create(stream("hls" + i), "origin-a");
        }
        assertThatThrownBy(() -> b.hlsSessions().create(stream("hls4"), "origin-a"))
                .isInstanceOf(HlsSessionLimitException.class)
                .hasMessageContaining("hls.sessions.max=3");
        assertThat(b.hlsSessions().count()).isEqualTo(3);

        awaitUntil("HLS sessions expire", () -> b.hlsSessions().count() == 0);
        assertThat(b.hlsSessions().create(stream("hls5"), "origin-a")).isNotNull();
    }

    @Test
    void concurrentHlsSessionCreatesNeverExceedTheBound() throws Exception {
        OriginLoadBalancer b = balancer("hls.sessions.max", "50");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    int made = 0;
                    for (int i = 0; i < 20; i++) {
                        try {
                            b.hlsSessions().create(stream("race"), "origin-a");
                            made++;
                        } catch (HlsSessionLimitException full) {
                            // expected once 50 exist
                        }
                    }
                    return made;
                }));
            }
            go.countDown();
            int made = 0;
            for (Future<Integer> r : results) {
                made += r.get(30, TimeUnit.SECONDS);
            }
            assertThat(made).isEqualTo(50);
        } finally {
            pool.shutdownNow();
        }
        assertThat(b.hlsSessions().count()).isEqualTo(50);
    }
}
