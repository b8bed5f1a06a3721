package dev.originproxy.lb.redis;

import dev.originproxy.core.relay.api.RelayStats;
import dev.originproxy.stun.router.RtcSessionView;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.JsonLines;
import dev.originproxy.testkit.NodePeers;
import dev.originproxy.testkit.OriginStandIn;
import dev.originproxy.testkit.PeerLogs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two complete proxy instances sharing one Redis: a real WebRTC publisher signals on proxy A
 * and sends its media to proxy B's UDP port. B finds the session A stored, relays ICE, DTLS,
 * SRTP and the data channel to the origin, and ends the session when a DELETE on A removes it
 * from the store.
 */
@ExtendWith(PeerLogs.class)
class FleetEndToEndTest {
    private RedisServerProcess redis;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @RegisterExtension
    final LogOnFailure redisLogs = new LogOnFailure(() -> redis == null ? "(not started)" : redis.log());

    @AfterEach
    void stopAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    @Test
    @Timeout(60)
    void mediaSignalledOnOneProxyFlowsThroughAnotherAndDeleteOnTheFirstEndsItOnTheSecond() throws Exception {
        redis = RedisServerProcess.onFreePort().start();
        NodePeers peers = NodePeers.locate();
        ProxyInstance a = closeLater(ProxyInstance.start("A", redis.port(), Duration.ofSeconds(10)));
        ProxyInstance b = closeLater(ProxyInstance.start("B", redis.port(), Duration.ofMillis(300)));
        OriginStandIn origin = closeLater(OriginStandIn.start(peers));
        a.registerOrigin("origin-fleet", origin.httpPort());
        // B sees the origin A registered: the registry is shared.
        assertThat(b.balancer.registry().liveOrigins()).extracting(o -> o.id()).containsExactly("origin-fleet");

        ExternalProcess client = closeLater(peers.start("whip-client", "whip-client.mjs",
                "--url", a.whipUrl("live", "fleet"),
                "--rewrite-candidate-port", Integer.toString(b.routerPort()),
                "--rtp-packets", "60", "--messages", "5", "--hold-ms", "2000", "--timeout-ms", "30000"));
        JsonLines.Event answer = JsonLines.await(client, "answer", Duration.ofSeconds(15));
        assertThat(answer.intValue("status")).isEqualTo(201);
        // A's forwarder advertised A's own router port; the client rewrote it to B's.
        assertThat(answer.string("candidates")).contains("127.0.0.1 " + a.routerPort());
        String location = answer.string("location");
        assertThat(location).startsWith("/rtc/v1/whip/?app=live&stream=fleet&session=");

        JsonLines.Event connected = JsonLines.await(client, "connected", Duration.ofSeconds(15));
        assertThat(connected.string("iceState")).isEqualTo("connected");
        OriginStandIn.Session atOrigin = origin.awaitSession(
                s -> s.stream().equals("fleet") && s.rtpReceived() >= 50 && s.dcEchoed() == 5, Duration.ofSeconds(15));
        assertThat(atOrigin.closed()).isFalse();

        // While the client holds the session: B carries it, A carries nothing.
        List<RtcSessionView> onB = b.router.sessions();
        assertThat(onB).as(b.describe()).hasSize(1);
        RtcSessionView view = onB.get(0);
        assertThat(view.stream()).isEqualTo("__defaultVhost__/live/fleet");
        assertThat(view.originId()).isEqualTo("origin-fleet");
        assertThat(view.clients()).isNotEmpty();
        assertThat(view.counters().packetsFromClient()).isGreaterThanOrEqualTo(50);
        assertThat(view.counters().packetsFromOrigin()).isGreaterThan(0);
        // the view shows a non-secret name of the session, never its capability (the id in Location)
        String id = location.substring(location.indexOf("session=") + "session=".length());
        assertThat(view.id()).isEqualTo(dev.originproxy.core.balancer.WebRtcSession.publicIdOf(id)).isNotEqualTo(id);
        assertThat(b.lifecycle.isLive(id)).isTrue();
        assertThat(a.router.sessions()).as(a.describe()).isEmpty();
        assertThat(a.router.relayStats().packetsIn()).as(a.describe()).isZero();
        // The session was signalled on A: its id is live in A's lifecycle too.
        assertThat(a.lifecycle.isLive(id)).isTrue();

        JsonLines.Event result = JsonLines.await(client, "result", Duration.ofSeconds(15));
        assertThat(result.longValue("rtpSent")).isEqualTo(60);
        assertThat(result.longValue("echoes")).isEqualTo(5);
        assertThat(client.waitForExit(Duration.ofSeconds(10))).isZero();

        // DELETE on A: A ends its part and removes the store entry; B notices on its next refresh.
        LoopbackHttp.Response deleted = LoopbackHttp.send("DELETE",
                URI.create(a.baseUrl()).resolve(location).toString(), null, null);
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(a.ended).containsExactly(id + "=CLIENT_CLOSED");
        ProxyInstance.await("B ends the session deleted on A and frees its legs", Duration.ofSeconds(5),
                () -> b.router.sessionCount() == 0 && b.router.relayStats().openLegs() == 0 && !b.ended.isEmpty(),
                b::describe);
        assertThat(b.ended).containsExactly(id + "=CLIENT_CLOSED");
        assertThat(b.lifecycle.live()).isEmpty();
        assertThat(b.balancer.sessions().findById(id)).isEmpty();
        origin.awaitSession(s -> s.id().equals(atOrigin.id()) && s.closed(), Duration.ofSeconds(5));
        RelayStats onA = a.router.relayStats();
        assertThat(onA.packetsIn()).as(a.describe()).isZero();
    }
}
