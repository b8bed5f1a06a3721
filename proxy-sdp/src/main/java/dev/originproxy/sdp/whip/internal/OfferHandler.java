package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionRefusedException;
import dev.originproxy.sdp.IceCandidate;
import dev.originproxy.sdp.IceCredentials;
import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.SdpException;
import dev.originproxy.sdp.SdpLimits;
import dev.originproxy.sdp.SdpRewriter;
import dev.originproxy.sdp.SessionDescription;
import dev.originproxy.sdp.SrsEnvelope;
import dev.originproxy.sdp.whip.internal.OriginClient.OriginFailure;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST} of an offer: stream key, sticky placement, lifecycle start (a refusal is a 409),
 * the offer without the client's candidates forwarded to the origin, the answer's candidates
 * replaced by the proxy's, the session stored for the WebRTC routers, and a {@code Location}
 * on the proxy.
 *
 * <p>Thread-safe.
 */
public final class OfferHandler {
    private static final String SDP = "application/sdp";

    private final OriginLoadBalancer balancer;
    private final SessionLifecycle lifecycle;
    private final ProxyCandidates candidates;
    private final OriginClient client;
    private final SessionSweeper sessions;
    private final OriginAnswers answers;
    private final SdpLimits limits;
    private final SdpRewriter rewriter;
    private final Clock clock;
    private final int maxBodyBytes;
    private final SecureRandom random = new SecureRandom();
    private final OriginHealth health;
    /** What a WHIP/WHEP origin must have registered: its HTTP API (media comes from its answer). */
    private static final Set<OriginProtocol> WHIP_PROTOCOLS = EnumSet.of(OriginProtocol.API);

    /**
     * @param balancer placement, registry and session store
     * @param lifecycle the session lifecycle
     * @param candidates the proxy's advertised candidates
     * @param client the HTTP client towards origins
     * @param sessions the started sessions
     * @param answers what of the origin's answer reaches the client
     * @param limits SDP limits
     * @param clock wall clock
     * @param maxBodyBytes largest body
     * @param health where origin failures are reported, or null
     */
    public OfferHandler(OriginLoadBalancer balancer, SessionLifecycle lifecycle, ProxyCandidates candidates,
                        OriginClient client, SessionSweeper sessions, OriginAnswers answers, SdpLimits limits,
                        Clock clock, int maxBodyBytes, OriginHealth health) {
        this.balancer = balancer;
        this.lifecycle = lifecycle;
        this.candidates = candidates;
        this.client = client;
        this.sessions = sessions;
        this.answers = answers;
        this.limits = limits;
        this.rewriter = new SdpRewriter(limits);
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
        this.health = health;
    }

    /** Handles the offer of {@code req} on {@code endpoint}. */
    public ApiResponse offer(ApiRequest req, SignallingEndpoint endpoint) {
        boolean legacy = endpoint.legacy();
        String offerText;
        SrsEnvelope envelope = null;
        StreamKey key;
        try {
            if (legacy) {
                envelope = SrsEnvelope.parse(req.body(), maxBodyBytes);
                offerText = envelope.requireSdp();
                Optional<String> url = envelope.streamUrl();
                key = url.isPresent() ? StreamKey.fromStreamUrl(url.get())
                        : StreamKey.fromHttpRequest(req.header("Host"), req.rawPath(), req.rawQuery());
            } else {
                offerText = SessionDescription.fromUtf8(req.body(), limits);
                key = StreamKey.fromHttpRequest(req.header("Host"), req.rawPath(), req.rawQuery());
            }
        } catch (SdpException e) {
            return Responses.badSdp(e);
        } catch (InvalidStreamKeyException e) {
            return ApiResponse.error(400, "bad stream: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return ApiResponse.error(400, "bad body: " + e.getMessage());
        }
        SessionDescription offer;
        IceCredentials offerCreds;
        String stripped;
        try {
            offer = SessionDescription.parse(offerText, limits);
            offerCreds = offer.iceCredentials();
            stripped = rewriter.stripOfferCandidates(offer);
        } catch (SdpException e) {
            return Responses.badSdp(e);
        }

        // A connect failure or a 5xx marks the origin suspect; a connect failure (nothing reached
        // the origin) is retried once on the stream's new placement, so a publish right after an
        // origin died lands on a live one.
        for (int attempt = 1; ; attempt++) {
            Attempt result = forward(req, endpoint, key, legacy, envelope, offerCreds, stripped);
            if (result.goneOrigin == null) {
                return result.response;
            }
            if (health != null) {
                health.suspectNow(result.goneOrigin, result.why);
            }
            if (attempt >= 2 || health == null || !result.retry) {
                return result.response;
            }
        }
    }

    /** One attempt's answer; {@code goneOrigin} names an origin that failed as a dead one does. */
    private static final class Attempt {
        final ApiResponse response;
        final String goneOrigin;
        final String why;
        final boolean retry;

        Attempt(ApiResponse response, String goneOrigin, String why, boolean retry) {
            this.response = response;
            this.goneOrigin = goneOrigin;
            this.why = why;
            this.retry = retry;
        }

        static Attempt done(ApiResponse response) {
            return new Attempt(response, null, null, false);
        }
    }

    private Attempt forward(ApiRequest req, SignallingEndpoint endpoint, StreamKey key, boolean legacy,
                            SrsEnvelope envelope, IceCredentials offerCreds, String stripped) {
        OriginServer origin;
        try {
            origin = balancer.placement().pick(key, WHIP_PROTOCOLS);
        } catch (NoOriginAvailableException e) {
            return Attempt.done(ApiResponse.error(503, "no origin available: " + e.getMessage()));
        } catch (BalancerUnavailableException e) {
            return Attempt.done(ApiResponse.error(503, "balancer unavailable, try again"));
        }
        Optional<InetSocketAddress> api = origin.address(OriginProtocol.API, OriginEndpoint.Transport.TCP);
        if (api.isEmpty()) {
            return Attempt.done(ApiResponse.error(503, "origin " + origin.id() + " registered no API endpoint"));
        }

        String id = newId();
        try {
            lifecycle.start(new SessionInfo(id, SessionProtocol.WEBRTC, endpoint.direction(), key, origin.id(),
                    req.remoteAddress(), clock.instant()));
        } catch (SessionRefusedException e) {
            return Attempt.done(ApiResponse.error(409, e.getMessage()));
        }
        sessions.started(id);
        WebRtcSession stored = null;
        boolean ok = false;
        try {
            String body = legacy ? envelope.withSdp(stripped) : stripped;
            URI target = OriginClient.originUri(api.get(), req.rawPath(), req.rawQuery());
            HttpRequest.Builder out = client.request(target)
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .header("Content-Type", legacy ? "application/json" : SDP);
            client.forwardHeaders(req, out);
            HttpResponse<byte[]> resp;
            try {
                resp = client.send(out.build());
            } catch (OriginFailure f) {
                sessions.end(id, f.unreachable() ? EndReason.ORIGIN_GONE : EndReason.ORIGIN_REJECTED);
                return f.unreachable() ? new Attempt(f.response(), origin.id(), "its API refused a connection", true)
                        : Attempt.done(f.response());
            }
            if (resp.statusCode() >= 300) {
                sessions.end(id, EndReason.ORIGIN_REJECTED);
                ApiResponse passed = answers.passThroughError(resp);
                return resp.statusCode() >= 500
                        ? new Attempt(passed, origin.id(), "its API answered " + resp.statusCode(), false)
                        : Attempt.done(passed);
            }
            try {
                String respText = new String(resp.body(), StandardCharsets.UTF_8);
                SrsEnvelope answerEnvelope = legacy ? SrsEnvelope.parse(respText) : null;
                long code = legacy ? answerEnvelope.longField("code").orElse(0) : 0;
                if (code != 0) {
                    sessions.end(id, EndReason.ORIGIN_REJECTED);
                    return Attempt.done(answers.legacyRefusal(answerEnvelope, code));
                }
                String answerText = legacy ? answerEnvelope.requireSdp()
                        : SessionDescription.fromUtf8(resp.body(), limits);
                SessionDescription answer = SessionDescription.parse(answerText, limits);
                IceCredentials answerCreds = answer.iceCredentials();
                InetSocketAddress media = mediaAddress(answer, origin);
                String rewritten = rewriter.rewriteAnswer(answer, candidates);
                // Only the path and query of the origin's Location are kept, on its registered address.
                String resource = resp.headers().firstValue("Location")
                        .flatMap(l -> OriginClient.resourceOn(api.get(), target, l)).map(URI::toString).orElse(null);
                WebRtcSession session = new WebRtcSession(id, answerCreds.stunUsernameFrom(offerCreds),
                        answerCreds.pwd(), key, origin.id(), media, endpoint.direction(), clock.instant(), resource);
                // the answer is built before the session is stored: nothing after the store can fail
                ApiResponse response = answerResponse(req, resp, legacy ? answerEnvelope.withSdp(rewritten) : rewritten,
                        id, legacy);
                stored = session;
                balancer.sessions().store(session);
                ok = true;
                return Attempt.done(response);
            } catch (IllegalArgumentException e) { // SdpException included
                return Attempt.done(ApiResponse.error(502, "origin answer unusable: " + e.getMessage()));
            }
        } catch (BalancerUnavailableException e) {
            return Attempt.done(ApiResponse.error(503, "session store unavailable, try again"));
        } finally {
            if (!ok) {
                if (stored != null) {
                    removeQuietly(stored); // a store that failed half-way must not leave a session behind the error
                }
                sessions.end(id, EndReason.ORIGIN_REJECTED);
            }
        }
    }

    private void removeQuietly(WebRtcSession s) {
        try {
            balancer.sessions().remove(s.username());
        } catch (RuntimeException e) {
            // the entry expires by its TTL
        }
    }

    /**
     * The origin's UDP media address: a UDP candidate of the answer on the origin's own IP (SRS
     * and single-port origins), else the origin's registered RTC UDP endpoint, else the answer's
     * first UDP candidate with an IP literal.
     */
    static InetSocketAddress mediaAddress(SessionDescription answer, OriginServer origin) {
        List<IceCandidate> udp = answer.udpCandidates();
        for (IceCandidate c : udp) {
            if (c.address().equals(origin.ip())) {
                return new InetSocketAddress(c.address(), c.port());
            }
        }
        Optional<InetSocketAddress> registered = origin.address(OriginProtocol.RTC, OriginEndpoint.Transport.UDP);
        if (registered.isPresent()) {
            return registered.get();
        }
        for (IceCandidate c : udp) {
            if (isIpLiteral(c.address())) {
                return new InetSocketAddress(c.address(), c.port());
            }
        }
        throw new IllegalArgumentException("no UDP media address in the origin's answer");
    }

    private static boolean isIpLiteral(String a) {
        return a.indexOf(':') >= 0 || a.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9'));
    }

    private ApiResponse answerResponse(ApiRequest req, HttpResponse<byte[]> resp, String body, String id,
                                              boolean legacy) {
        ApiResponse.Builder b = ApiResponse.builder(resp.statusCode());
        answers.copyPassedHeaders(resp, b);
        if (resp.headers().firstValue("Content-Type").isEmpty()) {
            b.header("Content-Type", legacy ? "application/json" : SDP);
        }
        if (!legacy) {
            b.header("Location", proxyLocation(req, id));
        }
        return b.body(body).build();
    }

    /** The proxy's resource for a session: the request path and query plus {@code session=<id>}. */
    private static String proxyLocation(ApiRequest req, String id) {
        StringBuilder loc = new StringBuilder(req.rawPath()).append('?');
        if (req.rawQuery() != null) {
            for (String pair : req.rawQuery().split("&")) {
                if (!pair.isEmpty() && !pair.startsWith("session=")) {
                    loc.append(pair).append('&');
                }
            }
        }
        return loc.append("session=").append(URLEncoder.encode(id, StandardCharsets.UTF_8)).toString();
    }

    private String newId() {
        byte[] b = new byte[12];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
