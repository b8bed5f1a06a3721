package dev.originproxy.sdp.whip;

import com.sun.net.httpserver.HttpServer;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.SessionDescription;
import dev.originproxy.sdp.SrsEnvelope;
import dev.originproxy.sdp.http.JdkHttpAdapter;
import dev.originproxy.sdp.whip.WhipForwarderTest.Recorded;
import dev.originproxy.sdp.whip.WhipForwarderTest.Reply;
import dev.originproxy.sdp.whip.WhipForwarderTest.ScriptedOrigin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static dev.originproxy.sdp.whip.WhipForwarderTest.fixture;
import static dev.originproxy.sdp.whip.WhipForwarderTest.sessionIdOf;
import static dev.originproxy.sdp.whip.WhipForwarderTest.withoutLines;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The findings of issue 12 against the signalling forwarder, each as an attacker tried it: paths
 * that name another resource once decoded, an origin's {@code Location} pointing at an internal
 * service, a DELETE the origin refuses, error bodies carrying origin addresses, legacy refusals
 * carrying the origin's envelope, and trickle fragments carrying candidates past the proxy.
 *
 * <p>The origin listens on 127.0.0.2; an "internal service" the proxy must never reach listens
 * on 127.0.0.3.
 */
@Timeout(30)
class SignallingTrustBoundaryTest {
    private static final String ORIGIN_IP = "127.0.0.2";
    private static final String INTERNAL_IP = "127.0.0.3";
    private static final String PROXY_IP = "127.0.0.1";
    private static final int PROXY_UDP_PORT = 18000;
    private static final String WHIP = "/rtc/v1/whip/?app=live&stream=s1";
    private static final String SDPFRAG = "application/trickle-ice-sdpfrag";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private ScriptedOrigin origin;
    private ScriptedOrigin internal;
    private MemoryLoadBalancer balancer;
    private SessionLifecycle lifecycle;
    private WhipForwarder forwarder;

    @BeforeEach
    void setUp() throws IOException {
        origin = closing(new ScriptedOrigin(ORIGIN_IP));
        internal = closing(new ScriptedOrigin(INTERNAL_IP));
        internal.script(req -> Reply.of(500, "internal admin service: purged everything"));
        balancer = new MemoryLoadBalancer();
        balancer.registry().register(new OriginServer("origin-a", null, ORIGIN_IP,
                Map.of(OriginProtocol.API, List.of(OriginEndpoint.parse(Integer.toString(origin.port())))),
                Instant.now()));
        lifecycle = new SessionLifecycle();
        forwarder = closing(WhipForwarder.builder().balancer(balancer).lifecycle(lifecycle)
                .candidates(ProxyCandidates.builder().address(PROXY_IP).udpPort(PROXY_UDP_PORT).build())
                .requestTimeout(Duration.ofSeconds(3)).connectTimeout(Duration.ofSeconds(1)).build());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void pathsThatNameAnotherResourceOnceDecodedAreRefusedWith400AndNeverForwarded() throws Exception {
        origin.script(req -> Reply.of(201, originAnswer(), "Content-Type", "application/sdp"));
        HttpServer server = serve(new JdkHttpAdapter(forwarder::handle, 64 * 1024));
        List<String> targets = List.of(
                "/rtc/v1/whip/../../../api/v1/clients/?app=live&stream=s1",
                "/rtc/v1/whip/%3Fapp=evil%26stream=x?app=live&stream=s1",
                "/rtc/v1/whip/%23?app=live&stream=s1",
                "/rtc/v1/whip/%20?app=live&stream=s1",
                "/rtc/v1/whip/x%2F..%2F..%2Fapi?app=live&stream=s1",
                "/rtc/v1/whip/?app=live&stream=s1%ZZ");

        List<String> statusLines = new ArrayList<>();
        for (String target : targets) {
            statusLines.add(rawPost(server, target, fixture("chrome-offer.sdp")));
        }

        System.out.println("[figure] odd signalling paths -> " + statusLines);
        assertThat(statusLines).allSatisfy(line -> assertThat(line).startsWith("HTTP/1.1 400"));
        assertThat(origin.requests).as("requests that reached the origin").isEmpty();
    }

    @Test
    void anOriginLocationOnAnotherHostIsNeverFollowed() {
        String purge = internal.baseUrl() + "/admin/purge-all?confirm=yes";
        origin.script(req -> req.method().equals("POST")
                ? Reply.of(201, originAnswer(), "Content-Type", "application/sdp", "Location", purge)
                : Reply.of(200, ""));
        ApiResponse created = forwarder.handle(request("POST", WHIP, Map.of("Content-Type", "application/sdp"),
                fixture("chrome-offer.sdp")));
        assertThat(created.status()).isEqualTo(201);
        origin.take();

        ApiResponse patched = forwarder.handle(request("PATCH", created.header("Location"),
                Map.of("Content-Type", SDPFRAG, "Authorization", "Bearer client-token"), fixture("whip-trickle.sdpfrag")));
        ApiResponse deleted = forwarder.handle(request("DELETE", created.header("Location"),
                Map.of("Authorization", "Bearer client-token"), ""));

        assertThat(internal.requests).as("requests that reached the internal service").isEmpty();
        assertThat(patched.status()).isEqualTo(200);
        assertThat(deleted.status()).isEqualTo(200);
        // the origin's own API got them, at its registered address
        assertThat(origin.requests).extracting(Recorded::method).containsExactly("PATCH", "DELETE");
    }

    @Test
    void aDeleteTheOriginRefusesKeepsTheSession() {
        origin.script(req -> req.method().equals("POST")
                ? Reply.of(201, originAnswer(), "Content-Type", "application/sdp", "Location", "/rtc/v1/whip/?session=o1")
                : Reply.of(403, "not yours"));
        ApiResponse created = forwarder.handle(request("POST", WHIP, Map.of("Content-Type", "application/sdp"),
                fixture("chrome-offer.sdp")));
        String id = sessionIdOf(created.header("Location"));

        ApiResponse deleted = forwarder.handle(request("DELETE", created.header("Location"), Map.of(), ""));

        assertThat(deleted.status()).isEqualTo(403);
        assertThat(balancer.sessions().findById(id)).isPresent();
        assertThat(lifecycle.isLive(id)).isTrue();
        assertThat(forwarder.liveSessions()).isEqualTo(1);
    }

    @Test
    void errorBodiesLoseTheAddressesAndPortsOfEveryOrigin() {
        // the stream is placed on origin-a first (sticky), then a second origin registers
        balancer.placement().pick(StreamKey.fromHttpRequest(null, "/rtc/v1/whip/", "app=live&stream=s1"));
        balancer.registry().register(new OriginServer("origin-b", null, "127.0.0.4",
                Map.of(OriginProtocol.API, List.of(OriginEndpoint.parse("1985"))), Instant.now()));
        String body = "refused by " + ORIGIN_IP + ":" + origin.port() + "; try 127.0.0.4:1985 or [::1]:1985";
        origin.script(req -> Reply.of(503, body, "Content-Type", "text/plain; origin=" + ORIGIN_IP));

        ApiResponse r = forwarder.handle(request("POST", WHIP, Map.of("Content-Type", "application/sdp"),
                fixture("chrome-offer.sdp")));

        String seen = r.bodyText() + " " + r.headers();
        System.out.println("[figure] origin error as the client sees it: " + r.bodyText());
        assertThat(r.status()).isEqualTo(503);
        assertThat(seen).doesNotContain("127.0.0.").doesNotContain(":" + origin.port()).doesNotContain("1985")
                .doesNotContain("::1");
        assertThat(r.bodyText()).startsWith("refused by");
    }

    @Test
    void aLegacyRefusalIsReducedToItsCodeAndAReason() {
        origin.script(req -> Reply.of(200, "{\"code\":5001,\"server\":\"vid-7x1\",\"service\":\"s9\",\"pid\":\"4242\","
                + "\"error\":\"stream busy on " + ORIGIN_IP + ":8000\"}", "Content-Type", "application/json"));

        ApiResponse r = forwarder.handle(request("POST", "/rtc/v1/publish/", Map.of("Content-Type", "application/json"),
                fixture("srs-publish-request.json")));

        SrsEnvelope seen = SrsEnvelope.parse(r.bodyText());
        assertThat(seen.fieldNames()).containsExactly("code", "reason");
        assertThat(seen.longField("code")).hasValue(5001);
        assertThat(seen.stringField("reason")).hasValue("stream busy on origin");
    }

    @Test
    void trickleLosesTheClientCandidatesAndTheOriginCandidatesBecomeTheProxys() {
        String originFrag = "a=ice-options:trickle ice2\r\n"
                + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                + "a=mid:0\r\n"
                + "a=ice-ufrag:3r9k1m7x\r\n"
                + "a=ice-pwd:0h9s3q3e8n1m0t5d2v7x9c1b4a6z8w2e\r\n"
                + "a=candidate:0 1 udp 2130706431 " + ORIGIN_IP + " 8000 typ host\r\n";
        origin.script(req -> req.method().equals("POST")
                ? Reply.of(201, originAnswer(), "Content-Type", "application/sdp", "Location", "/rtc/v1/whip/?session=o1")
                : Reply.of(200, originFrag, "Content-Type", SDPFRAG));
        ApiResponse created = forwarder.handle(request("POST", WHIP, Map.of("Content-Type", "application/sdp"),
                fixture("chrome-offer.sdp")));
        origin.take();

        ApiResponse r = forwarder.handle(request("PATCH", created.header("Location"), Map.of("Content-Type", SDPFRAG),
                fixture("whip-trickle.sdpfrag")));

        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(origin.single().body()).doesNotContain("a=candidate").doesNotContain("192.0.2.1");
        assertThat(r.bodyText()).doesNotContain(ORIGIN_IP);
        assertThat(SessionDescription.parseTrickleFragment(r.bodyText()).candidates()).isNotEmpty()
                .allSatisfy(c -> assertThat(c.address() + ":" + c.port()).isEqualTo(PROXY_IP + ":" + PROXY_UDP_PORT));
    }

    @Test
    void theSessionViewNameIsNotTheCapability() {
        origin.script(req -> Reply.of(201, originAnswer(), "Content-Type", "application/sdp", "Location", "/r?s=1"));
        ApiResponse created = forwarder.handle(request("POST", WHIP, Map.of("Content-Type", "application/sdp"),
                fixture("chrome-offer.sdp")));
        String id = sessionIdOf(created.header("Location"));
        String shown = balancer.sessions().findById(id).orElseThrow().publicId();

        ApiResponse byShownName = forwarder.handle(request("DELETE", WHIP + "&session=" + shown, Map.of(), ""));

        assertThat(shown).isNotEqualTo(id).hasSize(16);
        assertThat(byShownName.status()).isEqualTo(404);
        assertThat(lifecycle.isLive(id)).isTrue();
    }

    // ---- helpers ----------------------------------------------------------------------------

    private <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    private HttpServer serve(JdkHttpAdapter adapter) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(PROXY_IP, 0), 0);
        server.createContext("/", adapter);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        server.setExecutor(pool);
        server.start();
        closeables.add(() -> {
            server.stop(0);
            pool.shutdownNow();
        });
        return server;
    }

    /** Sends a request with exactly this target (no client-side normalising) and returns the status line. */
    private static String rawPost(HttpServer server, String target, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket(PROXY_IP, server.getAddress().getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + target + " HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/sdp\r\n"
                    + "Content-Length: " + b.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    private static ApiRequest request(String method, String pathAndQuery, Map<String, String> headers, String body) {
        return WhipForwarderTest.request(method, pathAndQuery, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    private static String originAnswer() {
        return fixture("srs-answer.sdp").replace("192.168.1.10", ORIGIN_IP);
    }
}
