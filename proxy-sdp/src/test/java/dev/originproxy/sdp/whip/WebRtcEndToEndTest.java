package dev.originproxy.sdp.whip;

import com.sun.net.httpserver.HttpServer;

import dev.originproxy.core.Direction;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
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
import dev.originproxy.stun.router.RtcSessionView;
import dev.originproxy.stun.router.WebRtcRouter;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.FreePorts;
import dev.originproxy.testkit.JsonLines;
import dev.originproxy.testkit.NodePeers;
import dev.originproxy.testkit.OriginStandIn;
import dev.originproxy.testkit.PeerLogs;
import dev.originproxy.testkit.Tools;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real WebRTC through the proxy: werift and headless Chromium peers signal through a
 * {@link WhipForwarder} mounted with {@link JdkHttpAdapter}, and their ICE, DTLS, SRTP and SCTP
 * go through a real {@link WebRtcRouter}; both share one {@link MemoryLoadBalancer} and one
 * {@link SessionLifecycle}, with {@code e2e-peers/origin.mjs} registered as the only origin.
 * Everything listens on 127.0.0.1 on ports the kernel picks; peer logs are printed on failure.
 */
@ExtendWith(PeerLogs.class)
@Timeout(60)
class WebRtcEndToEndTest {
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration SIGNALLING = Duration.ofSeconds(15);
    private static final Duration MEDIA = Duration.ofSeconds(25);

    private static NodePeers peers;
    private static OriginStandIn origin;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private MemoryLoadBalancer balancer;
    private SessionLifecycle lifecycle;
    private Ends ends;
    private WebRtcRouter router;
    private String proxyBase;

    @BeforeAll
    static void startOrigin() {
        peers = NodePeers.locate();
        origin = OriginStandIn.start(peers);
    }

    @AfterAll
    static void stopOrigin() {
        if (origin != null) {
            origin.close();
        }
    }

    @BeforeEach
    void startProxy() throws IOException {
        balancer = new MemoryLoadBalancer();
        balancer.registry().register(new OriginServer("origin-standin", null, LOOPBACK,
                Map.of(OriginProtocol.API, List.of(OriginEndpoint.parse(Integer.toString(origin.httpPort())))),
                Instant.now()));
        lifecycle = new SessionLifecycle();
        ends = new Ends();
        lifecycle.addListener(ends);
        router = WebRtcRouter.builder()
                .bind(new InetSocketAddress(LOOPBACK, 0))
                .workers(2)
                .sessionStore(balancer.sessions())
                .lifecycle(lifecycle)
                .build()
                .start();
        closeables.add(router);
        proxyBase = startSignalling(router.localAddress().getPort());
    }

    @AfterEach
    void stopProxy() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    // ---- (a) ----------------------------------------------------------------------------------

    @Test
    void weriftWhipPublishConnectsThroughTheRouterAndReachesTheOrigin() {
        String stream = "pub-a";
        try (ExternalProcess whip = peers.start("whip-client", "whip-client.mjs", "--url", whipUrl(stream),
                "--rtp-packets", "60", "--messages", "5", "--timeout-ms", "25000")) {
            JsonLines.Event answer = JsonLines.await(whip, "answer", SIGNALLING);
            assertThat(answer.intValue("status")).isEqualTo(201);
            assertOnlyProxyCandidates(answer);
            String id = sessionIdOf(answer.string("location"));
            WebRtcSession stored = balancer.sessions().findById(id).orElseThrow();

            JsonLines.await(whip, "connected", MEDIA);
            RtcSessionView view = awaitValue("the router relays session " + id, Duration.ofSeconds(5),
                    () -> routerSession(id), Optional::isPresent).orElseThrow();
            assertThat(view.username()).isEqualTo(stored.username());
            assertThat(view.direction()).isEqualTo(Direction.PUBLISH);
            assertThat(view.originMediaAddress()).isEqualTo(stored.originMediaAddress());
            assertThat(view.clients()).isNotEmpty()
                    .allSatisfy(c -> assertThat(c.getAddress().getHostAddress()).isEqualTo(LOOPBACK));

            JsonLines.Event result = JsonLines.await(whip, "result", MEDIA);
            assertThat(result.longValue("rtpSent")).isEqualTo(60);
            assertThat(result.longValue("echoes")).isEqualTo(5);
            assertThat(whip.waitForExit(Duration.ofSeconds(10))).isZero();

            String originId = originSessionIdOf(stored);
            // the origin's peer connection reached "connected": ICE and DTLS completed through the proxy
            origin.process().waitForLine(Pattern.compile("\"event\":\"connected\",\"id\":\"" + originId + "\""),
                    Duration.ofSeconds(5));
            OriginStandIn.Session s = origin.awaitSession(
                    x -> x.id().equals(originId) && x.rtpReceived() >= 50 && x.dcEchoed() == 5, Duration.ofSeconds(10));
            assertThat(s.kind()).isEqualTo("whip");
            assertThat(s.stream()).isEqualTo(stream);
            SessionCounters counters = routerSession(id).orElseThrow().counters();
            assertThat(counters.packetsFromClient()).as("%s", router.relayStats()).isGreaterThanOrEqualTo(60);
            assertThat(counters.packetsFromOrigin()).isPositive();
        }
    }

    // ---- (b) ----------------------------------------------------------------------------------

    @Test
    void weriftWhepPlayReceivesTheOriginsRtpThroughTheRouter() {
        String stream = "play-b";
        try (ExternalProcess whep = peers.start("whep-client", "whep-client.mjs", "--url", whepUrl(stream),
                "--min-rtp", "50", "--timeout-ms", "25000")) {
            JsonLines.Event answer = JsonLines.await(whep, "answer", SIGNALLING);
            String id = sessionIdOf(answer.string("location"));
            assertOnlyProxyCandidates(answer);

            JsonLines.Event result = JsonLines.await(whep, "result", MEDIA);

            assertThat(result.longValue("rtpReceived")).isGreaterThanOrEqualTo(50);
            assertThat(whep.waitForExit(Duration.ofSeconds(10))).isZero();
            RtcSessionView view = routerSession(id).orElseThrow();
            assertThat(view.direction()).isEqualTo(Direction.PLAY);
            assertThat(view.counters().packetsFromOrigin()).isGreaterThanOrEqualTo(50);
            String originId = originSessionIdOf(balancer.sessions().findById(id).orElseThrow());
            OriginStandIn.Session s = origin.awaitSession(x -> x.id().equals(originId), Duration.ofSeconds(5));
            assertThat(s.kind()).isEqualTo("whep");
            assertThat(s.rtpSent()).isGreaterThanOrEqualTo(50);
        }
    }

    // ---- (c) ----------------------------------------------------------------------------------

    @Test
    void headlessChromiumPublishesItsFakeCameraThroughTheProxy() {
        Tools.require("chromium");
        String stream = "chromium-c";
        try (ExternalProcess chromium = peers.start("chromium-whip", "chromium-whip.mjs", "--url", whipUrl(stream),
                "--seconds", "3", "--timeout-ms", "45000")) {
            JsonLines.Event answer = JsonLines.await(chromium, "answer", Duration.ofSeconds(30));
            assertOnlyProxyCandidates(answer);
            String id = sessionIdOf(answer.string("location"));

            JsonLines.await(chromium, "connected", MEDIA);
            JsonLines.Event result = JsonLines.await(chromium, "result", MEDIA);

            assertThat(result.string("connectionState")).isEqualTo("connected");
            assertThat(result.longValue("packetsSent")).isPositive();
            String originId = originSessionIdOf(balancer.sessions().findById(id).orElseThrow());
            OriginStandIn.Session s = origin.awaitSession(x -> x.id().equals(originId) && x.rtpReceived() >= 50,
                    Duration.ofSeconds(10));
            assertThat(s.stream()).isEqualTo(stream);
            assertThat(routerSession(id).orElseThrow().counters().packetsFromClient()).isGreaterThanOrEqualTo(50);
            assertThat(chromium.waitForExit(Duration.ofSeconds(15))).isZero();
        }
    }

    // ---- (d) ----------------------------------------------------------------------------------

    @Test
    void threeConcurrentPublishersStayApart() {
        List<String> streams = List.of("multi-d1", "multi-d2", "multi-d3");
        List<ExternalProcess> clients = new ArrayList<>();
        try {
            for (String stream : streams) {
                clients.add(peers.start("whip-client-" + stream, "whip-client.mjs", "--url", whipUrl(stream),
                        "--rtp-packets", "60", "--messages", "5", "--timeout-ms", "30000"));
            }
            List<String> ids = new ArrayList<>();
            for (ExternalProcess c : clients) {
                ids.add(sessionIdOf(JsonLines.await(c, "answer", SIGNALLING).string("location")));
            }
            for (ExternalProcess c : clients) {
                JsonLines.await(c, "connected", MEDIA);
            }
            awaitValue("three router sessions", Duration.ofSeconds(5), () -> router.sessionCount(), n -> n == 3);
            for (ExternalProcess c : clients) {
                JsonLines.Event result = JsonLines.await(c, "result", MEDIA);
                assertThat(result.longValue("rtpSent")).isEqualTo(60);
                assertThat(result.longValue("echoes")).isEqualTo(5);
            }

            List<RtcSessionView> views = router.sessions();
            assertThat(views).extracting(RtcSessionView::id).containsExactlyInAnyOrderElementsOf(ids.stream().map(WebRtcSession::publicIdOf).toList());
            assertThat(views).extracting(RtcSessionView::username).doesNotHaveDuplicates();
            assertThat(views).extracting(RtcSessionView::originMediaAddress).doesNotHaveDuplicates();
            Set<InetSocketAddress> seen = new HashSet<>();
            for (RtcSessionView v : views) {
                for (InetSocketAddress client : v.clients()) {
                    assertThat(seen.add(client)).as("client address %s in two sessions", client).isTrue();
                }
            }
            assertThat(views).allSatisfy(v -> assertThat(v.counters().packetsFromClient())
                    .as("packets relayed for %s", v.stream()).isGreaterThanOrEqualTo(60));
            for (int i = 0; i < streams.size(); i++) {
                String stream = streams.get(i);
                WebRtcSession stored = balancer.sessions().findById(ids.get(i)).orElseThrow();
                assertThat(stored.streamKey().stream()).isEqualTo(stream);
                String originId = originSessionIdOf(stored);
                OriginStandIn.Session s = origin.awaitSession(
                        x -> x.id().equals(originId) && x.rtpReceived() >= 50 && x.dcEchoed() == 5,
                        Duration.ofSeconds(10));
                assertThat(s.stream()).isEqualTo(stream);
                // each origin session saw its own publisher's 60 packets, never another's
                assertThat(s.rtpReceived()).as("RTP of %s", stream).isBetween(50L, 60L);
            }
            for (ExternalProcess c : clients) {
                assertThat(c.waitForExit(Duration.ofSeconds(10))).isZero();
            }
        } finally {
            clients.forEach(ExternalProcess::close);
        }
    }

    // ---- (e) ----------------------------------------------------------------------------------

    @Test
    void deleteThroughTheProxyEndsTheSessionEverywhere() {
        String stream = "delete-e";
        try (ExternalProcess whip = peers.start("whip-client", "whip-client.mjs", "--url", whipUrl(stream),
                "--rtp-packets", "30", "--messages", "2", "--delete", "--timeout-ms", "25000")) {
            String id = sessionIdOf(JsonLines.await(whip, "answer", SIGNALLING).string("location"));
            String originId = originSessionIdOf(balancer.sessions().findById(id).orElseThrow());
            JsonLines.await(whip, "connected", MEDIA);
            awaitValue("the router relays session " + id, Duration.ofSeconds(5), () -> routerSession(id),
                    Optional::isPresent);
            assertThat(router.relayStats().openLegs()).isPositive();

            JsonLines.Event deleted = JsonLines.await(whip, "deleted", MEDIA);

            assertThat(deleted.intValue("status")).isEqualTo(200);
            assertThat(whip.waitForExit(Duration.ofSeconds(10))).isZero();
            OriginStandIn.Session s = origin.awaitSession(x -> x.id().equals(originId) && x.closed(),
                    Duration.ofSeconds(5));
            assertThat(s.rtpReceived()).isPositive();
            awaitValue("no router session", Duration.ofSeconds(5), () -> router.sessionCount(), n -> n == 0);
            awaitValue("every leg freed", Duration.ofSeconds(5), () -> router.relayStats().openLegs(), n -> n == 0);
            assertThat(balancer.sessions().findById(id)).isEmpty();
            assertThat(lifecycle.isLive(id)).isFalse();
            assertThat(ends.of(id)).containsExactly(EndReason.CLIENT_CLOSED);
            assertThat(router.sessionsEnded()).isEqualTo(1);
        }
    }

    // ---- (f) ----------------------------------------------------------------------------------

    @Test
    void controlRunWithoutARelayingRouterMakesThePublisherFail() throws IOException {
        // The same signalling, but the answer points clients at a UDP port where nothing listens.
        String deadProxy = startSignalling(FreePorts.udp());
        String stream = "control-f";
        try (ExternalProcess whip = peers.start("whip-client", "whip-client.mjs",
                "--url", deadProxy + "/rtc/v1/whip/?app=live&stream=" + stream,
                "--rtp-packets", "30", "--messages", "2", "--timeout-ms", "8000")) {
            JsonLines.Event answer = JsonLines.await(whip, "answer", SIGNALLING);
            assertThat(answer.intValue("status")).isEqualTo(201);

            int exit = whip.waitForExit(Duration.ofSeconds(20));

            assertThat(exit).as("whip-client exit code").isNotZero();
            assertThat(whip.lines()).noneMatch(JsonLines.isEvent("connected")).noneMatch(JsonLines.isEvent("result"));
            assertThat(origin.sessions()).filteredOn(x -> stream.equals(x.stream()))
                    .singleElement().satisfies(x -> assertThat(x.rtpReceived()).isZero());
            assertThat(router.sessionCount()).isZero();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** Starts a forwarder advertising {@code udpPort}, mounted on a loopback HTTP server; returns its base URL. */
    private String startSignalling(int udpPort) throws IOException {
        WhipForwarder forwarder = WhipForwarder.builder()
                .balancer(balancer)
                .lifecycle(lifecycle)
                .candidates(ProxyCandidates.builder().address(LOOPBACK).udpPort(udpPort).build())
                .requestTimeout(Duration.ofSeconds(10))
                .build();
        closeables.add(forwarder);
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

    /** The answer the client got lists the router's address, and nothing else, in every m-section. */
    private void assertOnlyProxyCandidates(JsonLines.Event answer) {
        String raw = answer.string("candidates");
        assertThat(raw).startsWith("[\"").endsWith("\"]");
        assertThat(raw.substring(2, raw.length() - 2).split("\",\""))
                .isNotEmpty().containsOnly(LOOPBACK + " " + routerPort() + " host");
    }

    private int routerPort() {
        return router.localAddress().getPort();
    }

    private String whipUrl(String stream) {
        return proxyBase + "/rtc/v1/whip/?app=live&stream=" + stream;
    }

    private String whepUrl(String stream) {
        return proxyBase + "/rtc/v1/whep/?app=live&stream=" + stream;
    }

    private Optional<RtcSessionView> routerSession(String id) {
        return router.sessions().stream().filter(v -> v.id().equals(WebRtcSession.publicIdOf(id))).findFirst();
    }

    private static String sessionIdOf(String location) {
        assertThat(location).as("Location").isNotNull().contains("session=");
        String id = location.substring(location.indexOf("session=") + "session=".length());
        int amp = id.indexOf('&');
        return amp < 0 ? id : id.substring(0, amp);
    }

    /** The origin's own session id, from the origin resource the forwarder stored. */
    private static String originSessionIdOf(WebRtcSession stored) {
        return sessionIdOf(stored.originLocation());
    }

    /** Polls {@code probe} until {@code ok}, or fails with the last value and the router's counters. */
    private <T> T awaitValue(String what, Duration deadline, Supplier<T> probe, Predicate<T> ok) {
        long end = System.nanoTime() + deadline.toNanos();
        T last = probe.get();
        while (!ok.test(last)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline + ": " + what + "; last: " + last
                        + "; router: " + router.relayStats() + " sessions " + router.sessions());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            last = probe.get();
        }
        return last;
    }

    /** Every onEnd the host's listener saw, by session id. */
    static final class Ends implements SessionListener {
        private final List<Map.Entry<String, EndReason>> ended = new CopyOnWriteArrayList<>();

        @Override
        public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
            ended.add(Map.entry(session.id(), reason));
        }

        List<EndReason> of(String id) {
            return ended.stream().filter(e -> e.getKey().equals(id)).map(Map.Entry::getValue).toList();
        }
    }
}
