package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.NoOriginAvailableException;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

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
     */
    public OfferHandler(OriginLoadBalancer balancer, SessionLifecycle lifecycle, ProxyCandidates candidates,
                        OriginClient client, SessionSweeper sessions, OriginAnswers answers, SdpLimits limits,
                        Clock clock, int maxBodyBytes) {
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

        OriginServer origin;
        try {
            origin = balancer.placement().pick(key);
        } catch (NoOriginAvailableException e) {
            return ApiResponse.error(503, "no origin available for " + key);
        } catch (BalancerUnavailableException e) {
            return ApiResponse.error(503, "balancer unavailable, try again");
        }
        Optional<InetSocketAddress> api = origin.address(OriginProtocol.API, OriginEndpoint.Transport.TCP);
        if (api.isEmpty()) {
            return ApiResponse.error(503, "origin has no HTTP API endpoint");
        }

        String id = newId();
        try {
            lifecycle.start(new SessionInfo(id, SessionProtocol.WEBRTC, endpoint.direction(), key, origin.id(),
                    req.remoteAddress(), clock.instant()));
        } catch (SessionRefusedException e) {
            return ApiResponse.error(409, e.getMessage());
        }
        sessions.started(id);
        boolean ok = false;
        try {
            String body = legacy ? envelope.withSdp(stripped) : stripped;
            URI target = OriginClient.originUri(api.get(), req.rawPath(), req.rawQuery());
            HttpRequest.Builder out = client.request(target)
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .header("Content-Type", legacy ? "application/json" : SDP);
            client.forwardHeaders(req, out);
            HttpResponse<byte[]> resp = client.send(out.build());
            if (resp.statusCode() >= 300) {
                sessions.end(id, EndReason.ORIGIN_REJECTED);
                return answers.passThroughError(resp);
            }
            try {
                String respText = new String(resp.body(), StandardCharsets.UTF_8);
                SrsEnvelope answerEnvelope = legacy ? SrsEnvelope.parse(respText) : null;
                long code = legacy ? answerEnvelope.longField("code").orElse(0) : 0;
                if (code != 0) {
                    sessions.end(id, EndReason.ORIGIN_REJECTED);
                    return answers.legacyRefusal(answerEnvelope, code);
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
                balancer.sessions().store(session);
                ok = true;
                return answerResponse(req, resp, legacy ? answerEnvelope.withSdp(rewritten) : rewritten, id, legacy);
            } catch (IllegalArgumentException e) { // SdpException included
                return ApiResponse.error(502, "origin answer unusable: " + e.getMessage());
            }
        } catch (OriginFailure f) {
            return f.response();
        } catch (BalancerUnavailableException e) {
            return ApiResponse.error(503, "session store unavailable, try again");
        } finally {
            if (!ok) {
                sessions.end(id, EndReason.ORIGIN_REJECTED);
            }
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
