package dev.originproxy.sdp.whip;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.originproxy.core.Direction;
import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.api.BearerAuth;
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
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionRefusedException;
import dev.originproxy.sdp.IceCandidate;
import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.SessionDescription;
import dev.originproxy.sdp.SrsEnvelope;
import dev.originproxy.sdp.http.JdkHttpAdapter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WHIP/WHEP/legacy signalling forwarder against a scripted HTTP origin in this JVM.
 *
 * <p>The origin listens on 127.0.0.2 (loopback, like all of 127/8 on Linux) while the proxy
 * advertises 127.0.0.1, so "the origin's address never reaches the client" is a check on text
 * that can actually differ. The fixtures' origin IP (192.168.1.10 etc.) is replaced by the
 * scripted origin's IP before use, so no address but loopback appears in what is sent.
 */
@Timeout(30)
class WhipForwarderTest {
    private static final String ORIGIN_IP = "127.0.0.2";
    private static final String PROXY_IP = "127.0.0.1";
    private static final int PROXY_UDP_PORT = 18000;
    private static final ProxyCandidates CANDIDATES =
            ProxyCandidates.builder().address(PROXY_IP).udpPort(PROXY_UDP_PORT).build();
    private static final String WHIP = "/rtc/v1/whip/?app=live&stream=s1";
    private static final String WHEP = "/rtc/v1/whep/?app=live&stream=s1";
    private static final String ORIGIN_SESSION = "origin-sess-7";
    private static final String SDPFRAG = "application/trickle-ice-sdpfrag";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private ScriptedOrigin origin;
    private MemoryLoadBalancer balancer;
    private SessionLifecycle lifecycle;
    private Recorder recorder;

    @BeforeEach
    void setUp() throws IOException {
        origin = new ScriptedOrigin(ORIGIN_IP);
        closeables.add(origin);
        balancer = new MemoryLoadBalancer();
        balancer.registry().register(originServer("origin-a", origin.port()));
        lifecycle = new SessionLifecycle();
        recorder = new Recorder();
        lifecycle.addListener(recorder);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    // ---- POST -------------------------------------------------------------------------------

    @Test
    void forwardsOfferWithoutClientCandidatesToOriginOfTheStream() throws Exception {
        WhipForwarder fw = forwarder(b -> { });
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        String offer = fixture("chrome-offer.sdp");

        ApiResponse r = fw.handle(post(WHIP, offer, Map.of()));

        assertThat(r.status()).as(r.bodyText()).isEqualTo(201);
        Recorded sent = origin.single();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/rtc/v1/whip/");
        assertThat(sent.query()).isEqualTo("app=live&stream=s1");
        assertThat(sent.header("Content-Type")).isEqualTo("application/sdp");
        assertThat(sent.body()).doesNotContain("a=candidate").doesNotContain("a=end-of-candidates");
        // everything but the candidate lines arrives byte for byte
        assertThat(sent.body()).isEqualTo(withoutLines(offer, "a=candidate:", "a=end-of-candidates"));
        assertThat(sent.body()).contains("a=ice-ufrag:Dz5m\r\n", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel");
        assertThat(sent.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void answerReachingClientCarriesOnlyTheProxyCandidates() {
        WhipForwarder fw = forwarder(b -> { });
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));

        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(201);
        String answer = r.bodyText();
        SessionDescription parsed = SessionDescription.parse(answer);
        List<IceCandidate> candidates = parsed.candidates();
        assertThat(candidates).hasSize(parsed.mediaSections().size()).allSatisfy(c -> {
            assertThat(c.address()).isEqualTo(PROXY_IP);
            assertThat(c.port()).isEqualTo(PROXY_UDP_PORT);
            assertThat(c.type()).isEqualTo("host");
        });
        assertThat(candidates.get(0)).isEqualTo(CANDIDATES.candidates().get(0));
        assertThat(answer).doesNotContain(ORIGIN_IP).doesNotContain(" 8000 ");
        // the rest of the origin's answer is untouched
        assertThat(withoutLines(answer, "a=candidate:"))
                .isEqualTo(withoutLines(originAnswer(), "a=candidate:"));
    }

    @Test
    void keepsOriginHeadersAndPointsLocationAtTheProxy() {
        WhipForwarder fw = forwarder(b -> { });
        String absoluteOriginLocation = origin.baseUrl() + "/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION;
        origin.script(req -> Reply.of(201, originAnswer(),
                "Content-Type", "application/sdp",
                "ETag", "\"etag-42\"",
                "Link", "<stun:stun.example.invalid:3478>; rel=\"ice-server\"",
                "Location", absoluteOriginLocation));

        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.header("Content-Type")).isEqualTo("application/sdp");
        assertThat(r.header("ETag")).isEqualTo("\"etag-42\"");
        assertThat(r.header("Link")).isEqualTo("<stun:stun.example.invalid:3478>; rel=\"ice-server\"");
        String location = r.header("Location");
        assertThat(location).startsWith("/rtc/v1/whip/?app=live&stream=s1&session=")
                .doesNotContain(ORIGIN_IP).doesNotContain(":" + origin.port()).doesNotContain(ORIGIN_SESSION);
        String id = sessionIdOf(location);
        assertThat(balancer.sessions().findById(id)).isPresent();
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Access-Control-Expose-Headers")).contains("Location", "ETag", "Link");
        assertThat(allHeaderValues(r)).doesNotContain(ORIGIN_IP);
    }

    @Test
    void storesSessionKeyedByAnswerAndOfferUfragsAndFiresOnStart() {
        WhipForwarder fw = forwarder(b -> { });
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));

        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(201);
        String id = sessionIdOf(r.header("Location"));
        WebRtcSession s = balancer.sessions().findById(id).orElseThrow();
        assertThat(s.username()).isEqualTo("3r9k1m7x:Dz5m");
        assertThat(s.icePwd()).isEqualTo("0h9s3q3e8n1m0t5d2v7x9c1b4a6z8w2e");
        assertThat(s.direction()).isEqualTo(Direction.PUBLISH);
        assertThat(s.streamKey().app()).isEqualTo("live");
        assertThat(s.streamKey().stream()).isEqualTo("s1");
        assertThat(s.originId()).isEqualTo("origin-a");
        assertThat(s.originMediaAddress()).isEqualTo(new InetSocketAddress(ORIGIN_IP, 8000));
        assertThat(s.originLocation()).isEqualTo(
                origin.baseUrl() + "/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION);
        assertThat(balancer.sessions().find("3r9k1m7x:Dz5m")).contains(s);

        assertThat(recorder.started).singleElement().satisfies(info -> {
            assertThat(info.id()).isEqualTo(id);
            assertThat(info.protocol()).isEqualTo(SessionProtocol.WEBRTC);
            assertThat(info.direction()).isEqualTo(Direction.PUBLISH);
            assertThat(info.streamKey()).isEqualTo(s.streamKey());
            assertThat(info.originId()).isEqualTo("origin-a");
        });
        assertThat(recorder.ended).isEmpty();
        assertThat(lifecycle.isLive(id)).isTrue();
        assertThat(fw.liveSessions()).isEqualTo(1);
    }

    @Test
    void whepOfferIsStoredAsPlayWithTheOriginCandidateAsMediaAddress() {
        WhipForwarder fw = forwarder(b -> { });
        // werift's answer: host candidate on the origin's IP and a server-reflexive one
        String answer = fixture("werift-answer.sdp").replace("10.0.0.7", ORIGIN_IP);
        origin.script(req -> Reply.of(201, answer, "Content-Type", "application/sdp",
                "Location", "/rtc/v1/whep/?app=live&stream=s1&session=" + ORIGIN_SESSION));

        ApiResponse r = fw.handle(post(WHEP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(201);
        assertThat(origin.single().path()).isEqualTo("/rtc/v1/whep/");
        assertThat(SessionDescription.parse(r.bodyText()).candidates()).hasSize(2)
                .allSatisfy(c -> assertThat(c.address() + ":" + c.port()).isEqualTo(PROXY_IP + ":" + PROXY_UDP_PORT));
        assertThat(r.bodyText()).doesNotContain("203.0.113.77").contains("a=end-of-candidates");
        assertThat(r.header("Location")).startsWith("/rtc/v1/whep/?app=live&stream=s1&session=");
        WebRtcSession s = balancer.sessions().findById(sessionIdOf(r.header("Location"))).orElseThrow();
        assertThat(s.direction()).isEqualTo(Direction.PLAY);
        assertThat(s.username()).isEqualTo("cd5a:Dz5m");
        assertThat(s.originMediaAddress()).isEqualTo(new InetSocketAddress(ORIGIN_IP, 52813));
        assertThat(recorder.started).singleElement().extracting(SessionInfo::direction).isEqualTo(Direction.PLAY);
    }

    // ---- DELETE -----------------------------------------------------------------------------

    @Test
    void deleteGoesToTheOriginResourceAndEndsTheSessionOnce() {
        WhipForwarder fw = forwarder(b -> { });
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        ApiResponse created = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));
        String location = created.header("Location");
        String id = sessionIdOf(location);
        origin.take();
        origin.script(req -> Reply.of(200, ""));

        ApiResponse deleted = fw.handle(request("DELETE", location, Map.of(), new byte[0]));

        assertThat(deleted.status()).isEqualTo(200);
        Recorded sent = origin.single();
        assertThat(sent.method()).isEqualTo("DELETE");
        assertThat(sent.path()).isEqualTo("/rtc/v1/whip/");
        assertThat(sent.query()).isEqualTo("app=live&stream=s1&session=" + ORIGIN_SESSION);
        assertThat(balancer.sessions().findById(id)).isEmpty();
        assertThat(balancer.sessions().find("3r9k1m7x:Dz5m")).isEmpty();
        assertThat(recorder.ended).containsExactly(Map.entry(id, EndReason.CLIENT_CLOSED));
        assertThat(fw.liveSessions()).isZero();

        ApiResponse again = fw.handle(request("DELETE", location, Map.of(), new byte[0]));

        assertThat(again.status()).isEqualTo(404);
        assertThat(origin.requests).isEmpty();
        assertThat(recorder.ended).hasSize(1);
    }

    @Test
    void deleteEndsTheSessionEvenWhenTheOriginIsGone() {
        WhipForwarder fw = forwarder(b -> { });
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        ApiResponse created = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));
        String id = sessionIdOf(created.header("Location"));
        origin.close();

        ApiResponse deleted = fw.handle(request("DELETE", created.header("Location"), Map.of(), new byte[0]));

        assertThat(deleted.status()).isEqualTo(200);
        assertThat(balancer.sessions().findById(id)).isEmpty();
        assertThat(recorder.ended).containsExactly(Map.entry(id, EndReason.CLIENT_CLOSED));
    }

    // ---- PATCH ------------------------------------------------------------------------------

    @Test
    void trickleIsForwardedToTheOriginResourceAsSdpfrag() {
        WhipForwarder fw = forwarder(b -> { });
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        ApiResponse created = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));
        String id = sessionIdOf(created.header("Location"));
        origin.take();
        origin.script(req -> Reply.of(204, ""));
        String frag = fixture("whip-trickle.sdpfrag");

        ApiResponse r = fw.handle(request("PATCH", created.header("Location"),
                Map.of("Content-Type", SDPFRAG, "If-Match", "\"etag-42\""), frag.getBytes(StandardCharsets.UTF_8)));

        assertThat(r.status()).isEqualTo(204);
        Recorded sent = origin.single();
        assertThat(sent.method()).isEqualTo("PATCH");
        assertThat(sent.path()).isEqualTo("/rtc/v1/whip/");
        assertThat(sent.query()).isEqualTo("app=live&stream=s1&session=" + ORIGIN_SESSION);
        assertThat(sent.header("Content-Type")).isEqualTo(SDPFRAG);
        assertThat(sent.header("If-Match")).isEqualTo("\"etag-42\"");
        // the client's candidates never reach the origin (as in offers)
        assertThat(sent.body()).isEqualTo(withoutLines(frag, "a=candidate:", "a=end-of-candidates"));
        assertThat(balancer.sessions().findById(id)).get().extracting(WebRtcSession::username).isEqualTo("3r9k1m7x:Dz5m");
        assertThat(recorder.ended).isEmpty();
    }

    @Test
    void iceRestartRekeysTheSessionUnderTheSameId() {
        WhipForwarder fw = forwarder(b -> { });
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        ApiResponse created = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));
        String location = created.header("Location");
        String id = sessionIdOf(location);
        origin.take();
        String originFrag = "a=ice-options:trickle ice2\r\n"
                + "a=group:BUNDLE 0\r\n"
                + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                + "a=mid:0\r\n"
                + "a=ice-ufrag:R3st\r\n"
                + "a=ice-pwd:restartedpassword0123456789\r\n"
                + "a=candidate:0 1 udp 2130706431 " + ORIGIN_IP + " 8000 typ host\r\n";
        origin.script(req -> Reply.of(200, originFrag, "Content-Type", SDPFRAG, "ETag", "\"etag-43\""));

        ApiResponse r = fw.handle(request("PATCH", location, Map.of("Content-Type", SDPFRAG),
                fixture("whip-restart.sdpfrag").getBytes(StandardCharsets.UTF_8)));

        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(r.header("ETag")).isEqualTo("\"etag-43\"");
        assertThat(r.bodyText()).contains("a=ice-ufrag:R3st", "a=ice-pwd:restartedpassword0123456789")
                .doesNotContain(ORIGIN_IP);
        assertThat(origin.single().body()).isEqualTo(
                withoutLines(fixture("whip-restart.sdpfrag"), "a=candidate:", "a=end-of-candidates"));
        WebRtcSession rekeyed = balancer.sessions().findById(id).orElseThrow();
        assertThat(rekeyed.id()).isEqualTo(id);
        assertThat(rekeyed.username()).isEqualTo("R3st:ysXw");
        assertThat(rekeyed.icePwd()).isEqualTo("restartedpassword0123456789");
        assertThat(rekeyed.originMediaAddress()).isEqualTo(new InetSocketAddress(ORIGIN_IP, 8000));
        assertThat(balancer.sessions().find("3r9k1m7x:Dz5m")).isEmpty();
        assertThat(balancer.sessions().find("R3st:ysXw")).contains(rekeyed);
        assertThat(recorder.ended).isEmpty();
        assertThat(lifecycle.isLive(id)).isTrue();

        origin.script(req -> Reply.of(200, ""));
        assertThat(fw.handle(request("DELETE", location, Map.of(), new byte[0])).status()).isEqualTo(200);
        assertThat(origin.single().method()).isEqualTo("DELETE");
        assertThat(balancer.sessions().list()).isEmpty();
        assertThat(recorder.ended).containsExactly(Map.entry(id, EndReason.CLIENT_CLOSED));
    }

    @Test
    void patchWithoutTrickleContentTypeIsRefusedWith415() {
        WhipForwarder fw = forwarder(b -> { });
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        ApiResponse created = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));
        origin.take();

        ApiResponse r = fw.handle(request("PATCH", created.header("Location"), Map.of("Content-Type", "application/sdp"),
                fixture("whip-trickle.sdpfrag").getBytes(StandardCharsets.UTF_8)));

        assertThat(r.status()).isEqualTo(415);
        assertThat(origin.requests).isEmpty();
    }

    @Test
    void patchOrDeleteOfAnUnknownSessionIs404() {
        WhipForwarder fw = forwarder(b -> { });

        ApiResponse patch = fw.handle(request("PATCH", WHIP + "&session=nope", Map.of("Content-Type", SDPFRAG),
                fixture("whip-trickle.sdpfrag").getBytes(StandardCharsets.UTF_8)));
        ApiResponse delete = fw.handle(request("DELETE", WHIP + "&session=nope", Map.of(), new byte[0]));
        ApiResponse noSession = fw.handle(request("DELETE", WHIP, Map.of(), new byte[0]));

        assertThat(patch.status()).isEqualTo(404);
        assertThat(delete.status()).isEqualTo(404);
        assertThat(noSession.status()).isEqualTo(404);
        assertThat(origin.requests).isEmpty();
        assertThat(recorder.ended).isEmpty();
    }

    // ---- legacy JSON API --------------------------------------------------------------------

    @Test
    void legacyPublishRoundTripKeepsTheOtherEnvelopeFields() {
        WhipForwarder fw = forwarder(b -> { });
        String answerJson = fixture("srs-publish-answer.json").replace("192.168.1.10", ORIGIN_IP);
        origin.script(req -> Reply.of(200, answerJson, "Content-Type", "application/json"));
        String requestJson = fixture("srs-publish-request.json");

        ApiResponse r = fw.handle(request("POST", "/rtc/v1/publish/", Map.of("Content-Type", "application/json"),
                requestJson.getBytes(StandardCharsets.UTF_8)));

        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        Recorded sent = origin.single();
        assertThat(sent.path()).isEqualTo("/rtc/v1/publish/");
        assertThat(sent.header("Content-Type")).isEqualTo("application/json");
        SrsEnvelope toOrigin = SrsEnvelope.parse(sent.body());
        SrsEnvelope fromClient = SrsEnvelope.parse(requestJson);
        assertThat(toOrigin.fieldNames()).containsExactlyElementsOf(fromClient.fieldNames());
        for (String f : List.of("api", "tid", "streamurl")) {
            assertThat(toOrigin.stringField(f)).as(f).isEqualTo(fromClient.stringField(f));
        }
        assertThat(toOrigin.requireSdp()).doesNotContain("a=candidate").doesNotContain("a=end-of-candidates")
                .isEqualTo(withoutLines(fromClient.requireSdp(), "a=candidate:", "a=end-of-candidates"));

        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.header("Location")).isNull();
        SrsEnvelope toClient = SrsEnvelope.parse(r.bodyText());
        SrsEnvelope fromOrigin = SrsEnvelope.parse(answerJson);
        assertThat(toClient.fieldNames()).containsExactlyElementsOf(fromOrigin.fieldNames());
        assertThat(toClient.longField("code")).hasValue(0);
        for (String f : List.of("server", "service", "pid", "sessionid")) {
            assertThat(toClient.stringField(f)).as(f).isEqualTo(fromOrigin.stringField(f));
        }
        assertThat(SessionDescription.parse(toClient.requireSdp()).candidates()).isNotEmpty()
                .allSatisfy(c -> assertThat(c.address() + ":" + c.port()).isEqualTo(PROXY_IP + ":" + PROXY_UDP_PORT));
        assertThat(r.bodyText()).doesNotContain(ORIGIN_IP);

        WebRtcSession s = balancer.sessions().find("3r9k1m7x:Dz5m").orElseThrow();
        assertThat(s.streamKey().app()).isEqualTo("live");
        assertThat(s.streamKey().stream()).isEqualTo("livestream");
        assertThat(s.direction()).isEqualTo(Direction.PUBLISH);
        assertThat(recorder.started).singleElement().extracting(SessionInfo::id).isEqualTo(s.id());
    }

    @Test
    void legacyErrorCodeFromTheOriginStoresNothing() {
        WhipForwarder fw = forwarder(b -> { });
        origin.script(req -> Reply.of(200, "{\"code\":5001,\"error\":\"stream busy on " + ORIGIN_IP + "\"}",
                "Content-Type", "application/json"));

        ApiResponse r = fw.handle(request("POST", "/rtc/v1/publish/", Map.of("Content-Type", "application/json"),
                fixture("srs-publish-request.json").getBytes(StandardCharsets.UTF_8)));

        assertThat(r.status()).isEqualTo(200);
        assertThat(SrsEnvelope.parse(r.bodyText()).longField("code")).hasValue(5001);
        assertThat(r.bodyText()).doesNotContain(ORIGIN_IP);
        assertThat(balancer.sessions().list()).isEmpty();
        assertThat(recorder.started).hasSize(1);
        assertThat(recorder.ended).singleElement().extracting(Map.Entry::getValue).isEqualTo(EndReason.ORIGIN_REJECTED);
    }

    // ---- CORS, auth, lifecycle ----------------------------------------------------------------

    @Test
    void corsPreflightIsAnsweredByTheProxyWithoutTokenOrOrigin() {
        WhipForwarder fw = forwarder(b -> b.auth(BearerAuth.token("s3cret")));

        ApiResponse r = fw.handle(request("OPTIONS", WHIP,
                Map.of("Origin", "http://app.test", "Access-Control-Request-Method", "POST"), new byte[0]));

        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Access-Control-Allow-Methods")).contains("POST", "PATCH", "DELETE", "OPTIONS");
        assertThat(r.header("Access-Control-Allow-Headers")).contains("Content-Type", "Authorization", "If-Match");
        assertThat(r.header("Access-Control-Expose-Headers")).contains("Location", "ETag");
        assertThat(origin.requests).isEmpty();
        assertThat(recorder.started).isEmpty();
    }

    @Test
    void bearerTokenIsRequiredAndNotPassedOnToTheOrigin() throws Exception {
        WhipForwarder fw = forwarder(b -> b.auth(BearerAuth.token("s3cret")));
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        String offer = fixture("chrome-offer.sdp");

        ApiResponse missing = fw.handle(post(WHIP, offer, Map.of()));
        ApiResponse wrong = fw.handle(post(WHIP, offer, Map.of("Authorization", "Bearer guess")));

        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.header("WWW-Authenticate")).contains("invalid_token");
        assertThat(origin.requests).isEmpty();
        assertThat(recorder.started).isEmpty();

        ApiResponse right = fw.handle(post(WHIP, offer, Map.of("Authorization", "Bearer s3cret")));

        assertThat(right.status()).isEqualTo(201);
        assertThat(origin.single().header("Authorization")).isNull();
        String location = right.header("Location");
        assertThat(fw.handle(request("DELETE", location, Map.of(), new byte[0])).status()).isEqualTo(401);
        assertThat(balancer.sessions().findById(sessionIdOf(location))).isPresent();
    }

    @Test
    void withoutProxyAuthTheClientTokenIsMeantForTheOrigin() {
        WhipForwarder fw = forwarder(b -> { });
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));

        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of("Authorization", "Bearer origin-token")));

        assertThat(r.status()).isEqualTo(201);
        assertThat(origin.single().header("Authorization")).isEqualTo("Bearer origin-token");
    }

    @Test
    void lifecycleRefusalIs409AndNothingIsStoredOrForwarded() {
        WhipForwarder fw = forwarder(b -> { });
        recorder.refuse = "stream live/s1 already has a publisher";
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));

        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.bodyText()).contains("already has a publisher");
        assertThat(origin.requests).isEmpty();
        assertThat(balancer.sessions().list()).isEmpty();
        assertThat(lifecycle.live()).isEmpty();
        assertThat(fw.liveSessions()).isZero();
        assertThat(recorder.ended).isEmpty();
    }

    // ---- error statuses -----------------------------------------------------------------------

    @Test
    void noLiveOriginIs503() {
        MemoryLoadBalancer empty = new MemoryLoadBalancer();
        WhipForwarder fw = closing(WhipForwarder.builder().balancer(empty).lifecycle(lifecycle).candidates(CANDIDATES)
                .requestTimeout(Duration.ofSeconds(2)).build());

        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("X-Error-Reason")).contains("no origin");
        assertThat(recorder.started).isEmpty();
        assertThat(origin.requests).isEmpty();
    }

    @Test
    void unreachableOriginIs502AndEndsTheStartedSession() {
        WhipForwarder fw = forwarder(b -> { });
        int deadPort = origin.port();
        origin.close(); // nothing listens on its port any more

        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(502);
        assertThat(r.bodyText() + allHeaderValues(r)).doesNotContain(ORIGIN_IP).doesNotContain(":" + deadPort);
        assertThat(balancer.sessions().list()).isEmpty();
        assertThat(recorder.started).hasSize(1);
        // an origin that cannot be reached is gone (EndReason.ORIGIN_GONE), not a rejection (issue 15)
        assertThat(recorder.ended).containsExactly(Map.entry(recorder.started.get(0).id(), EndReason.ORIGIN_GONE));
    }

    @Test
    void aDeadOriginIsSuspectedAndTheOfferLandsOnALiveOne() throws Exception {
        ScriptedOrigin live = new ScriptedOrigin(ORIGIN_IP);
        closeables.add(live);
        live.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        String dead = balancer.placement().pick(dev.originproxy.core.StreamKey.of(null, "live", "s1")).id();
        assertThat(dead).isEqualTo("origin-a");
        balancer.registry().register(originServer("origin-b", live.port()));
        origin.close(); // origin-a dies; its placement of s1 is still sticky
        try (dev.originproxy.core.balancer.OriginHealth health = dev.originproxy.core.balancer.OriginHealth.builder()
                .registry(balancer.registry()).build().start()) {
            WhipForwarder fw = forwarder(b -> b.originHealth(health));

            ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

            assertThat(r.status()).as(r.bodyText()).isEqualTo(201);
            assertThat(live.single().method()).isEqualTo("POST");
            assertThat(health.isSuspect("origin-a")).isTrue();
            assertThat(balancer.registry().suspects()).containsExactly("origin-a");
            assertThat(balancer.sessions().list()).singleElement()
                    .satisfies(s -> assertThat(s.originId()).isEqualTo("origin-b"));
            assertThat(recorder.ended).containsExactly(Map.entry(recorder.started.get(0).id(), EndReason.ORIGIN_GONE));
        }
    }

    @Test
    void aSessionStoreFailingAfterItsWriteLeavesNoSessionBehindTheError() {
        origin.answerWith(whipAnswer("/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        dev.originproxy.core.balancer.SessionStore real = balancer.sessions();
        dev.originproxy.core.balancer.SessionStore flaky = new dev.originproxy.core.balancer.SessionStore() {
            @Override
            public void store(WebRtcSession session) {
                real.store(session); // the write lands, then the answer times out
                throw new dev.originproxy.core.balancer.BalancerUnavailableException("read timed out", null);
            }

            @Override
            public java.util.Optional<WebRtcSession> find(String username) {
                return real.find(username);
            }

            @Override
            public java.util.Optional<WebRtcSession> findById(String id) {
                return real.findById(id);
            }

            @Override
            public boolean refresh(String username) {
                return real.refresh(username);
            }

            @Override
            public boolean remove(String username) {
                return real.remove(username);
            }

            @Override
            public List<WebRtcSession> list() {
                return real.list();
            }

            @Override
            public void addRemovalListener(java.util.function.Consumer<WebRtcSession> listener) {
                real.addRemovalListener(listener);
            }
        };
        var lb = dev.originproxy.core.balancer.OriginLoadBalancer.of("flaky", balancer.registry(),
                balancer.placement(), flaky, balancer.hlsSessions(), null);
        WhipForwarder fw = closing(WhipForwarder.builder().balancer(lb).lifecycle(lifecycle).candidates(CANDIDATES)
                .requestTimeout(Duration.ofSeconds(3)).build());

        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(503);
        // before: the session stayed in the store (and media could bind to it) behind the error
        assertThat(real.list()).isEmpty();
        assertThat(recorder.ended).hasSize(1);
    }

    @Test
    void slowOriginIs504() {
        WhipForwarder fw = forwarder(b -> b.requestTimeout(Duration.ofMillis(300)));
        origin.script(req -> Reply.of(201, originAnswer(), "Content-Type", "application/sdp").after(Duration.ofSeconds(10)));

        long start = System.nanoTime();
        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(r.status()).isEqualTo(504);
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(r.bodyText()).doesNotContain(ORIGIN_IP);
        assertThat(balancer.sessions().list()).isEmpty();
        assertThat(recorder.ended).singleElement().extracting(Map.Entry::getValue).isEqualTo(EndReason.ORIGIN_REJECTED);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 403, 404, 500, 503})
    void originErrorStatusPassesThroughWithoutTheOriginAddress(int status) {
        WhipForwarder fw = forwarder(b -> { });
        String body = "offer refused by " + ORIGIN_IP + ":" + origin.port() + " (rtc on " + ORIGIN_IP + ":8000)";
        origin.script(req -> Reply.of(status, body, "Content-Type", "text/plain",
                "Location", origin.baseUrl() + "/elsewhere"));

        ApiResponse r = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(status);
        assertThat(r.bodyText()).startsWith("offer refused by").doesNotContain(ORIGIN_IP);
        assertThat(allHeaderValues(r)).doesNotContain(ORIGIN_IP);
        assertThat(balancer.sessions().list()).isEmpty();
        assertThat(recorder.ended).singleElement().extracting(Map.Entry::getValue).isEqualTo(EndReason.ORIGIN_REJECTED);
        assertThat(fw.liveSessions()).isZero();
    }

    @Test
    void unusableOriginAnswerIs502() {
        WhipForwarder fw = forwarder(b -> { });
        String noCandidates = withoutLines(originAnswer(), "a=candidate:");
        origin.script(req -> Reply.of(201, req.query().contains("stream=junk") ? "this is not SDP" : noCandidates,
                "Content-Type", "application/sdp"));

        ApiResponse junk = fw.handle(post("/rtc/v1/whip/?app=live&stream=junk", fixture("chrome-offer.sdp"), Map.of()));
        ApiResponse bare = fw.handle(post(WHIP, fixture("chrome-offer.sdp"), Map.of()));

        assertThat(junk.status()).isEqualTo(502);
        assertThat(bare.status()).isEqualTo(502);
        assertThat(balancer.sessions().list()).isEmpty();
        assertThat(recorder.ended).hasSize(2);
        assertThat(lifecycle.live()).isEmpty();
    }

    @Test
    void badBodyIs400AndNeverReachesTheOrigin() {
        WhipForwarder fw = forwarder(b -> { });

        ApiResponse notSdp = fw.handle(post(WHIP, "hello, origin", Map.of()));
        ApiResponse noCredentials = fw.handle(post(WHIP,
                withoutLines(fixture("chrome-offer.sdp"), "a=ice-ufrag:", "a=ice-pwd:"), Map.of()));
        ApiResponse notJson = fw.handle(request("POST", "/rtc/v1/publish/", Map.of("Content-Type", "application/json"),
                "{not json".getBytes(StandardCharsets.UTF_8)));
        ApiResponse badStream = fw.handle(post("/rtc/v1/whip/?app=live&stream=", fixture("chrome-offer.sdp"), Map.of()));

        assertThat(List.of(notSdp.status(), noCredentials.status(), notJson.status(), badStream.status()))
                .containsOnly(400);
        assertThat(origin.requests).isEmpty();
        assertThat(recorder.started).isEmpty();
    }

    @Test
    void tooLargeBodyIs413() throws Exception {
        WhipForwarder fw = forwarder(b -> b.maxBodyBytes(1024));
        String offer = fixture("chrome-offer.sdp");
        assertThat(offer.length()).isGreaterThan(1024);

        ApiResponse r = fw.handle(post(WHIP, offer, Map.of()));

        assertThat(r.status()).isEqualTo(413);
        assertThat(origin.requests).isEmpty();

        // the HTTP adapter refuses it before the forwarder sees it
        HttpServer server = serve(new JdkHttpAdapter(fw::handle, 1024));
        HttpResponse<String> http = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(baseUrl(server) + WHIP)).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(offer + offer)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(http.statusCode()).isEqualTo(413);
        assertThat(origin.requests).isEmpty();
    }

    @Test
    void wrongMethodIs405WithAllow() {
        WhipForwarder fw = forwarder(b -> { });

        ApiResponse get = fw.handle(request("GET", WHIP, Map.of(), new byte[0]));
        ApiResponse put = fw.handle(request("PUT", WHIP, Map.of(), new byte[0]));
        ApiResponse postOnResource = fw.handle(post(WHIP + "&session=abc", fixture("chrome-offer.sdp"), Map.of()));
        ApiResponse deleteLegacy = fw.handle(request("DELETE", "/rtc/v1/play/", Map.of(), new byte[0]));

        assertThat(get.status()).isEqualTo(405);
        assertThat(get.header("Allow")).contains("POST", "PATCH", "DELETE", "OPTIONS");
        assertThat(put.status()).isEqualTo(405);
        assertThat(postOnResource.status()).isEqualTo(405);
        assertThat(deleteLegacy.status()).isEqualTo(405);
        assertThat(deleteLegacy.header("Allow")).isEqualTo("POST, OPTIONS");
        assertThat(origin.requests).isEmpty();
    }

    @Test
    void unknownEndpointIs404() {
        WhipForwarder fw = forwarder(b -> { });

        ApiResponse r = fw.handle(post("/rtc/v1/nope/?app=live&stream=s1", fixture("chrome-offer.sdp"), Map.of()));

        assertThat(r.status()).isEqualTo(404);
        assertThat(origin.requests).isEmpty();
    }

    // ---- over real HTTP ---------------------------------------------------------------------

    @Test
    void servedThroughTheJdkHttpAdapterHeadersReachTheClient() throws Exception {
        WhipForwarder fw = forwarder(b -> { });
        origin.script(req -> req.method().equals("DELETE") ? Reply.of(200, "")
                : Reply.of(201, originAnswer(), "Content-Type", "application/sdp", "ETag", "\"etag-42\"",
                "Location", "/rtc/v1/whip/?app=live&stream=s1&session=" + ORIGIN_SESSION));
        HttpServer server = serve(new JdkHttpAdapter(fw::handle, 64 * 1024));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI whip = URI.create(baseUrl(server) + WHIP);

        HttpResponse<String> created = client.send(HttpRequest.newBuilder(whip).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/sdp")
                .POST(HttpRequest.BodyPublishers.ofString(fixture("chrome-offer.sdp"))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("Content-Type")).hasValue("application/sdp");
        assertThat(created.headers().firstValue("ETag")).hasValue("\"etag-42\"");
        String location = created.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/rtc/v1/whip/?app=live&stream=s1&session=");
        assertThat(created.body()).doesNotContain(ORIGIN_IP).contains(" " + PROXY_IP + " " + PROXY_UDP_PORT + " typ host");
        assertThat(origin.single().header("X-Forwarded-For")).isEqualTo("127.0.0.1");

        HttpResponse<String> deleted = client.send(HttpRequest.newBuilder(whip.resolve(location))
                .timeout(Duration.ofSeconds(5)).DELETE().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(origin.single().query()).endsWith("session=" + ORIGIN_SESSION);
        assertThat(balancer.sessions().list()).isEmpty();
        assertThat(recorder.ended).hasSize(1);
    }

    // ---- helpers ----------------------------------------------------------------------------

    private WhipForwarder forwarder(Consumer<WhipForwarder.Builder> customize) {
        WhipForwarder.Builder b = WhipForwarder.builder().balancer(balancer).lifecycle(lifecycle).candidates(CANDIDATES)
                .requestTimeout(Duration.ofSeconds(3)).connectTimeout(Duration.ofSeconds(1));
        customize.accept(b);
        return closing(b.build());
    }

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

    private static String baseUrl(HttpServer server) {
        return "http://" + PROXY_IP + ":" + server.getAddress().getPort();
    }

    private static OriginServer originServer(String id, int apiPort) {
        return new OriginServer(id, null, ORIGIN_IP,
                Map.of(OriginProtocol.API, List.of(OriginEndpoint.parse(Integer.toString(apiPort)))), Instant.now());
    }

    private static ApiRequest post(String pathAndQuery, String sdp, Map<String, String> headers) {
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        h.put("Content-Type", "application/sdp");
        h.putAll(headers);
        return request("POST", pathAndQuery, h, sdp.getBytes(StandardCharsets.UTF_8));
    }

    static ApiRequest request(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        int q = pathAndQuery.indexOf('?');
        Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> h.put(k, List.of(v)));
        return new ApiRequest(method, q < 0 ? pathAndQuery : pathAndQuery.substring(0, q),
                q < 0 ? null : pathAndQuery.substring(q + 1), h, body, new InetSocketAddress(PROXY_IP, 50123));
    }

    static String sessionIdOf(String location) {
        assertThat(location).contains("session=");
        String id = location.substring(location.indexOf("session=") + "session=".length());
        int amp = id.indexOf('&');
        return amp < 0 ? id : id.substring(0, amp);
    }

    private static String allHeaderValues(ApiResponse r) {
        return r.headers().toString();
    }

    /** The SRS answer fixture with its host candidate on the scripted origin's IP. */
    private static String originAnswer() {
        return fixture("srs-answer.sdp").replace("192.168.1.10", ORIGIN_IP);
    }

    private static Function<Recorded, Reply> whipAnswer(String location) {
        return req -> Reply.of(201, originAnswer(), "Content-Type", "application/sdp", "ETag", "\"etag-42\"",
                "Location", location);
    }

    static String fixture(String name) {
        try (InputStream in = WhipForwarderTest.class.getResourceAsStream("/sdp/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text without lines starting with any of the prefixes (line endings kept as they are). */
    static String withoutLines(String text, String... prefixes) {
        StringBuilder out = new StringBuilder();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            String line = text.substring(start, end);
            boolean drop = false;
            for (String p : prefixes) {
                drop |= line.startsWith(p);
            }
            if (!drop) {
                out.append(line);
            }
            start = end;
        }
        return out.toString();
    }

    /** Session starts and ends as the host's listener sees them; can refuse starts. */
    static final class Recorder implements SessionListener {
        final List<SessionInfo> started = new CopyOnWriteArrayList<>();
        final List<Map.Entry<String, EndReason>> ended = new CopyOnWriteArrayList<>();
        volatile String refuse;

        @Override
        public void onStart(SessionInfo session) throws SessionRefusedException {
            if (refuse != null) {
                throw new SessionRefusedException(refuse);
            }
            started.add(session);
        }

        @Override
        public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
            ended.add(Map.entry(session.id(), reason));
        }
    }

    /** One request as the scripted origin received it. */
    record Recorded(String method, String path, String query, Map<String, List<String>> headers, String body) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** What the scripted origin answers: status, headers, body, and an optional delay. */
    record Reply(int status, List<String> headers, String body, Duration delay) {
        static Reply of(int status, String body, String... headerPairs) {
            return new Reply(status, List.of(headerPairs), body, Duration.ZERO);
        }

        Reply after(Duration d) {
            return new Reply(status, headers, body, d);
        }
    }

    /**
     * An origin's HTTP API on loopback, scripted per test: records every request, answers what
     * the script says, optionally after a delay (cut short when the origin closes).
     */
    static final class ScriptedOrigin implements AutoCloseable {
        final BlockingQueue<Recorded> requests = new LinkedBlockingQueue<>();
        private final HttpServer server;
        private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-origin");
            t.setDaemon(true);
            return t;
        });
        private final CountDownLatch closed = new CountDownLatch(1);
        private final String ip;
        private volatile Function<Recorded, Reply> script = req -> Reply.of(500, "unscripted");
        private boolean stopped;

        ScriptedOrigin(String ip) throws IOException {
            this.ip = ip;
            server = HttpServer.create(new InetSocketAddress(ip, 0), 0);
            server.createContext("/", this::handle);
            server.setExecutor(pool);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        String baseUrl() {
            return "http://" + ip + ":" + port();
        }

        void script(Function<Recorded, Reply> s) {
            this.script = s;
        }

        void answerWith(Function<Recorded, Reply> s) {
            script(s);
        }

        /** The one request received so far (fails when there were none or several). */
        Recorded single() {
            assertThat(requests).as("requests the origin received").hasSize(1);
            return requests.poll();
        }

        /** Drops the request received so far. */
        void take() {
            assertThat(requests.poll()).as("a request the origin received").isNotNull();
        }

        private void handle(HttpExchange ex) {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                headers.putAll(ex.getRequestHeaders());
                Recorded rec = new Recorded(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                        ex.getRequestURI().getRawQuery(), headers, new String(body, StandardCharsets.UTF_8));
                requests.add(rec);
                Reply reply = script.apply(rec);
                if (!reply.delay().isZero() && closed.await(reply.delay().toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                for (int i = 0; i + 1 < reply.headers().size(); i += 2) {
                    ex.getResponseHeaders().add(reply.headers().get(i), reply.headers().get(i + 1));
                }
                byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
                boolean none = out.length == 0 || reply.status() == 204;
                ex.sendResponseHeaders(reply.status(), none ? -1 : out.length);
                if (!none) {
                    try (OutputStream os = ex.getResponseBody()) {
                        os.write(out);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the proxy gave up (timeout) or the origin is closing
            }
        }

        @Override
        public synchronized void close() {
            if (stopped) {
                return;
            }
            stopped = true;
            closed.countDown();
            server.stop(0);
            pool.shutdownNow();
        }
    }
}
