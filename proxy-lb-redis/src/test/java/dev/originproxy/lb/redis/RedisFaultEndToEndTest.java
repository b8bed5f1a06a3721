package dev.originproxy.lb.redis;

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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A live WebRTC relay through a proxy backed by Redis while Redis goes away and comes back: the
 * established session keeps relaying from memory, new sessions are refused with a clear 503, and
 * once Redis is back (the origin's next heartbeat registers it again) new sessions work end to
 * end.
 */
@ExtendWith(PeerLogs.class)
class RedisFaultEndToEndTest {
    /** A syntactically valid WHIP offer; with Redis down it is refused before any origin sees it. */
    private static final String OFFER = String.join("\r\n",
            "v=0",
            "o=- 4215775240449105457 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE 0",
            "m=video 9 UDP/TLS/RTP/SAVPF 96",
            "c=IN IP4 0.0.0.0",
            "a=mid:0",
            "a=sendonly",
            "a=ice-ufrag:Xy7q",
            "a=ice-pwd:0123456789abcdefghijklmn",
            "a=fingerprint:sha-256 12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0",
            "a=setup:actpass",
            "a=rtcp-mux",
            "a=rtpmap:96 VP8/90000",
            "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host",
            "");

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

    private static long rtpOf(OriginStandIn origin, String stream) {
        return origin.sessions().stream().filter(s -> s.stream().equals(stream))
                .mapToLong(OriginStandIn.Session::rtpReceived).sum();
    }

    @Test
    @Timeout(60)
    void anEstablishedRelaySurvivesARedisOutageNewSessionsGet503AndWorkAgainAfterRestart() throws Exception {
        redis = RedisServerProcess.onFreePort().start();
        NodePeers peers = NodePeers.locate();
        ProxyInstance proxy = closeLater(ProxyInstance.start("P", redis.port(), Duration.ofMillis(500)));
        // The origin heartbeats to the proxy like an SRS origin, so it registers again after a restart.
        OriginStandIn origin = closeLater(OriginStandIn.start(peers,
                "--register", proxy.registerUrl(), "--register-interval-ms", "300"));
        ProxyInstance.await("the origin's heartbeat registers it", Duration.ofSeconds(10),
                () -> !proxy.balancer.registry().liveOrigins().isEmpty(), proxy::describe);

        // 600 packets at 30/s: RTP flows for about 20 s, across the whole outage.
        ExternalProcess live = closeLater(peers.start("whip-client-live", "whip-client.mjs",
                "--url", proxy.whipUrl("live", "steady"),
                "--rtp-packets", "600", "--timeout-ms", "50000"));
        JsonLines.await(live, "connected", Duration.ofSeconds(15));
        origin.awaitSession(s -> s.stream().equals("steady") && s.rtpReceived() >= 30, Duration.ofSeconds(10));
        assertThat(proxy.router.sessionCount()).as(proxy.describe()).isEqualTo(1);
        // the view shows a non-secret name; the capability (the store id) is the lifecycle's id
        String steadyId = proxy.lifecycle.live().get(0).id();
        assertThat(proxy.router.sessions().get(0).id())
                .isEqualTo(dev.originproxy.core.balancer.WebRtcSession.publicIdOf(steadyId));

        redis.stop();
        long atOutage = rtpOf(origin, "steady");

        // A new session cannot be placed or stored: 503 with a one-line reason, nothing started.
        LoopbackHttp.Response refused = LoopbackHttp.send("POST", proxy.whipUrl("live", "during-outage"),
                "application/sdp", OFFER);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
        assertThat(refused.errorReason()).contains("unavailable").doesNotContain("\n").doesNotContain("\r");
        assertThat(refused.body()).contains("unavailable").doesNotContain("\n");
        assertThat(origin.sessions()).noneMatch(s -> s.stream().equals("during-outage"));

        // The established session keeps relaying from memory: the origin keeps counting RTP,
        // across several store refresh attempts (every 500 ms) that fail.
        ProxyInstance.await("RTP keeps reaching the origin while Redis is down", Duration.ofSeconds(8),
                () -> rtpOf(origin, "steady") >= atOutage + 60,
                () -> "rtp at outage " + atOutage + ", now " + rtpOf(origin, "steady") + "; " + proxy.describe());
        assertThat(proxy.router.sessionCount()).as(proxy.describe()).isEqualTo(1);
        assertThat(proxy.ended).as("no session ended during the outage").isEmpty();

        redis.start();
        ProxyInstance.await("the origin registers again once Redis is back", Duration.ofSeconds(15),
                () -> {
                    try {
                        return !proxy.balancer.registry().liveOrigins().isEmpty();
                    } catch (RuntimeException stillBackingOff) {
                        return false;
                    }
                }, proxy::describe);

        // The restarted Redis is empty. The relay still lives, and the router puts the lost
        // session entry back instead of taking the loss for a DELETE.
        long atRestart = rtpOf(origin, "steady");
        ProxyInstance.await("the live session is back in the store", Duration.ofSeconds(10),
                () -> {
                    try {
                        return proxy.balancer.sessions().findById(steadyId).isPresent();
                    } catch (RuntimeException stillBackingOff) {
                        return false;
                    }
                }, proxy::describe);
        ProxyInstance.await("RTP keeps reaching the origin after the restart", Duration.ofSeconds(5),
                () -> rtpOf(origin, "steady") >= atRestart + 30,
                () -> "rtp at restart " + atRestart + ", now " + rtpOf(origin, "steady") + "; " + proxy.describe());
        assertThat(proxy.router.sessions()).extracting(v -> v.id()).containsExactly(dev.originproxy.core.balancer.WebRtcSession.publicIdOf(steadyId));

        ExternalProcess after = closeLater(peers.start("whip-client-after", "whip-client.mjs",
                "--url", proxy.whipUrl("live", "after-restart"),
                "--rtp-packets", "60", "--delete", "--timeout-ms", "20000"));
        JsonLines.Event answer = JsonLines.await(after, "answer", Duration.ofSeconds(10));
        assertThat(answer.intValue("status")).isEqualTo(201);
        assertThat(answer.string("candidates")).contains("127.0.0.1 " + proxy.routerPort());
        JsonLines.Event result = JsonLines.await(after, "result", Duration.ofSeconds(20));
        assertThat(result.longValue("rtpSent")).isEqualTo(60);
        assertThat(result.longValue("echoes")).isEqualTo(5);
        assertThat(JsonLines.await(after, "deleted", Duration.ofSeconds(10)).intValue("status")).isEqualTo(200);
        assertThat(after.waitForExit(Duration.ofSeconds(10))).isZero();
        OriginStandIn.Session second = origin.awaitSession(
                s -> s.stream().equals("after-restart") && s.closed(), Duration.ofSeconds(5));
        assertThat(second.rtpReceived()).isGreaterThanOrEqualTo(50);
        assertThat(second.dcEchoed()).isEqualTo(5);
    }
}
