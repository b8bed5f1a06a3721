package dev.originproxy.sdp.whip;

import com.sun.net.httpserver.HttpServer;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.http.JdkHttpAdapter;
import dev.originproxy.stun.router.WebRtcRouter;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.JsonLines;
import dev.originproxy.testkit.NodePeers;
import dev.originproxy.testkit.OriginStandIn;
import dev.originproxy.testkit.PeerLogs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15 item 1 with real processes: two werift origins ({@code e2e-peers/origin.mjs}), a werift
 * WHIP publisher through the forwarder and router; the origin of the stream is killed (SIGKILL).
 * The publisher's session ends with {@code ORIGIN_GONE} within seconds, and a new publish of the
 * same stream connects through the other origin within 5 s.
 */
@ExtendWith(PeerLogs.class)
@Timeout(90)
class WhipOriginFaultEndToEndTest {
    private static final String LOOPBACK = "127.0.0.1";
    private static final String STREAM = "fault-w";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Map<String, EndReason> ends = new ConcurrentHashMap<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private static OriginServer registration(String id, OriginStandIn origin) {
        return new OriginServer(id, null, LOOPBACK,
                Map.of(OriginProtocol.API, List.of(OriginEndpoint.parse(Integer.toString(origin.httpPort())))),
                Instant.now());
    }

    @Test
    void aKilledOriginsSessionEndsAndTheStreamIsPublishedAgainOnTheOtherOrigin() throws Exception {
        NodePeers peers = NodePeers.locate();
        OriginStandIn a = track(OriginStandIn.start(peers));
        OriginStandIn b = track(OriginStandIn.start(peers));
        MemoryLoadBalancer balancer = new MemoryLoadBalancer();
        balancer.registry().register(registration("origin-a", a));
        balancer.registry().register(registration("origin-b", b));
        OriginHealth health = track(OriginHealth.builder().registry(balancer.registry())
                .refreshInterval(Duration.ofMillis(200)).build().start());
        SessionLifecycle lifecycle = new SessionLifecycle();
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onEnd(SessionInfo s, EndReason reason, SessionCounters c) {
                ends.put(s.id(), reason);
            }
        });
        WebRtcRouter router = track(WebRtcRouter.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(2)
                .sessionStore(balancer.sessions()).lifecycle(lifecycle).originHealth(health).build().start());
        String proxy = signalling(balancer, lifecycle, health, router.localAddress().getPort());
        String whip = proxy + "/rtc/v1/whip/?app=live&stream=" + STREAM;

        ExternalProcess first = track(peers.start("whip-first", "whip-client.mjs", "--url", whip,
                "--rtp-packets", "100000", "--messages", "1", "--timeout-ms", "80000"));
        String firstId = sessionIdOf(JsonLines.await(first, "answer", Duration.ofSeconds(15)).string("location"));
        JsonLines.await(first, "connected", Duration.ofSeconds(20));
        WebRtcSession firstSession = balancer.sessions().findById(firstId).orElseThrow();
        String deadId = firstSession.originId();
        OriginStandIn dead = deadId.equals("origin-a") ? a : b;
        String liveId = deadId.equals("origin-a") ? "origin-b" : "origin-a";

        ProcessHandle.of(dead.process().pid()).orElseThrow().destroyForcibly(); // SIGKILL: no goodbye
        long killed = System.nanoTime();

        ExternalProcess second = track(peers.start("whip-second", "whip-client.mjs", "--url", whip,
                "--rtp-packets", "60", "--messages", "2", "--timeout-ms", "30000"));
        JsonLines.Event answer = JsonLines.await(second, "answer", Duration.ofSeconds(10));
        assertThat(answer.intValue("status")).isEqualTo(201);
        JsonLines.await(second, "connected", Duration.ofSeconds(10));
        long republishMillis = (System.nanoTime() - killed) / 1_000_000;
        String secondId = sessionIdOf(answer.string("location"));
        assertThat(balancer.sessions().findById(secondId).orElseThrow().originId()).isEqualTo(liveId);
        JsonLines.await(second, "result", Duration.ofSeconds(20));

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ends.containsKey(firstId) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long goneMillis = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf("WHIP origin killed: new publish connected via %s after %d ms; old session ended %s after %d ms%n",
                liveId, republishMillis, ends.get(firstId), goneMillis);
        assertThat(republishMillis).as("republish within 5 s of the kill").isLessThan(5_000);
        assertThat(ends).containsEntry(firstId, EndReason.ORIGIN_GONE);
        assertThat(goneMillis).as("old session ended within seconds").isLessThan(8_000);
        assertThat(health.isSuspect(deadId)).isTrue();
        assertThat(balancer.placement().pick(StreamKey.of(null, "live", STREAM)).id()).isEqualTo(liveId);
    }

    private String signalling(MemoryLoadBalancer balancer, SessionLifecycle lifecycle, OriginHealth health,
                              int udpPort) throws IOException {
        WhipForwarder forwarder = track(WhipForwarder.builder().balancer(balancer).lifecycle(lifecycle)
                .candidates(ProxyCandidates.builder().address(LOOPBACK).udpPort(udpPort).build())
                .originHealth(health).requestTimeout(Duration.ofSeconds(10)).connectTimeout(Duration.ofSeconds(2))
                .build());
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        server.createContext("/", new JdkHttpAdapter(forwarder::handle, 64 * 1024));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        server.setExecutor(pool);
        server.start();
        closeables.add(() -> {
            server.stop(0);
            pool.shutdownNow();
        });
        return "http://" + LOOPBACK + ":" + server.getAddress().getPort();
    }

    private static String sessionIdOf(String location) {
        int at = location.indexOf("session=");
        assertThat(at).as("Location %s", location).isNotNegative();
        int end = location.indexOf('&', at);
        return location.substring(at + "session=".length(), end < 0 ? location.length() : end);
    }
}
