package dev.originproxy.examples.plugin;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancers;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeastSessionsPlacementTest {
    private static OriginServer origin(String id) {
        return new OriginServer(id, id, "127.0.0.1",
                Map.of(OriginProtocol.API, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, null, 1985))),
                Instant.now());
    }

    private static WebRtcSession session(String id, String originId, String stream) {
        return new WebRtcSession(id, "a" + id + ":b" + id, "pwd-" + id, StreamKey.of(null, "live", stream), originId,
                new InetSocketAddress("127.0.0.1", 8000), Direction.PUBLISH, Instant.now(), null);
    }

    @Test
    void isFoundByNameThroughServiceLoader() {
        assertThat(OriginLoadBalancers.provider("least-sessions"))
                .isInstanceOf(LeastSessionsLoadBalancerProvider.class);
        try (OriginLoadBalancer lb = OriginLoadBalancers.create("least-sessions", Map.of())) {
            assertThat(lb.name()).isEqualTo("least-sessions");
        }
    }

    @Test
    void placesANewStreamOnTheOriginWithTheFewestWebRtcSessions() {
        try (OriginLoadBalancer lb = OriginLoadBalancers.create("least-sessions", Map.of())) {
            lb.registry().register(origin("a"));
            lb.registry().register(origin("b"));
            lb.sessions().store(session("1", "a", "x"));
            lb.sessions().store(session("2", "a", "y"));
            lb.sessions().store(session("3", "b", "z"));

            assertThat(lb.placement().pick(StreamKey.of(null, "live", "new")).id()).isEqualTo("b");
        }
    }

    @Test
    void breaksTiesByPlacedStreamsThenById() {
        try (OriginLoadBalancer lb = OriginLoadBalancers.create("least-sessions", Map.of())) {
            lb.registry().register(origin("b"));
            lb.registry().register(origin("a"));

            assertThat(lb.placement().pick(StreamKey.of(null, "live", "s1")).id()).isEqualTo("a");
            assertThat(lb.placement().pick(StreamKey.of(null, "live", "s2")).id()).isEqualTo("b");
            assertThat(lb.placement().placements())
                    .containsEntry(StreamKey.of(null, "live", "s1").toString(), "a")
                    .containsEntry(StreamKey.of(null, "live", "s2").toString(), "b");
        }
    }

    @Test
    void keepsAStreamOnItsOriginWhileThatOriginLives() {
        try (OriginLoadBalancer lb = OriginLoadBalancers.create("least-sessions", Map.of())) {
            lb.registry().register(origin("a"));
            StreamKey key = StreamKey.of(null, "live", "sticky");
            assertThat(lb.placement().pick(key).id()).isEqualTo("a");
            lb.registry().register(origin("b"));
            lb.sessions().store(session("1", "a", "sticky"));

            assertThat(lb.placement().pick(key).id()).isEqualTo("a");
        }
    }

    @Test
    void failsWithNoOriginAvailableWhenNoneIsLive() {
        try (OriginLoadBalancer lb = OriginLoadBalancers.create("least-sessions", Map.of())) {
            assertThatThrownBy(() -> lb.placement().pick(StreamKey.of(null, "live", "s")))
                    .isInstanceOf(NoOriginAvailableException.class);
        }
    }
}
