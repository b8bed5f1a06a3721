package dev.originproxy.core.balancer;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionProtocol;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PlacementReleaserTest {
    private final MemoryLoadBalancer balancer = new MemoryLoadBalancer();
    private final SessionLifecycle lifecycle = new SessionLifecycle();

    private static SessionInfo session(String id, String stream) {
        return new SessionInfo(id, SessionProtocol.SRT, Direction.PUBLISH, StreamKey.of(null, "live", stream), "a",
                null, Instant.now());
    }

    private void awaitPlacements(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (balancer.placementCount() != n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void releasesAStreamsPlacementAGraceAfterItsLastSessionEnded() throws Exception {
        balancer.registry().register(new OriginServer("a", null, "10.0.0.1",
                Map.of(OriginProtocol.SRT, List.of(OriginEndpoint.parse("10080"))), Instant.EPOCH));
        try (PlacementReleaser releaser = new PlacementReleaser(balancer.placement(), Duration.ofMillis(200))) {
            lifecycle.addListener(releaser);
            balancer.placement().pick(StreamKey.of(null, "live", "s"));
            lifecycle.start(session("1", "s"));
            lifecycle.start(session("2", "s"));
            lifecycle.end("1", EndReason.CLIENT_CLOSED, SessionCounters.ZERO);
            Thread.sleep(400);
            assertThat(balancer.placementCount()).as("one session still lives").isEqualTo(1);

            lifecycle.end("2", EndReason.CLIENT_CLOSED, SessionCounters.ZERO);
            awaitPlacements(0);

            assertThat(balancer.placementCount()).isZero();
            assertThat(releaser.released()).isEqualTo(1);
        }
    }

    @Test
    void aSessionStartingWithinTheGraceKeepsThePlacement() throws Exception {
        balancer.registry().register(new OriginServer("a", null, "10.0.0.1",
                Map.of(OriginProtocol.SRT, List.of(OriginEndpoint.parse("10080"))), Instant.EPOCH));
        try (PlacementReleaser releaser = new PlacementReleaser(balancer.placement(), Duration.ofMillis(300))) {
            lifecycle.addListener(releaser);
            balancer.placement().pick(StreamKey.of(null, "live", "s"));
            lifecycle.start(session("1", "s"));
            lifecycle.end("1", EndReason.CLIENT_CLOSED, SessionCounters.ZERO);
            lifecycle.start(session("2", "s")); // the publisher reconnects

            Thread.sleep(600);

            assertThat(balancer.placementCount()).isEqualTo(1);
            assertThat(releaser.released()).isZero();
            assertThat(releaser.pendingReleases()).isZero();
        }
    }
}
