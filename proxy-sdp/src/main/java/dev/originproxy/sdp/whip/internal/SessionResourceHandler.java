package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.sdp.IceCredentials;
import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.SdpException;
import dev.originproxy.sdp.SdpLimits;
import dev.originproxy.sdp.SdpRewriter;
import dev.originproxy.sdp.SessionDescription;
import dev.originproxy.sdp.whip.internal.OriginClient.OriginFailure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code DELETE} and {@code PATCH} (trickle ICE, ICE restart) of a session resource the proxy
 * handed out in a {@code Location}: forwarded to the origin's resource for that session.
 *
 * <p>Thread-safe.
 */
public final class SessionResourceHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SessionResourceHandler.class);
    private static final String SDPFRAG = "application/trickle-ice-sdpfrag";

    private final OriginLoadBalancer balancer;
    private final OriginClient client;
    private final SessionSweeper sessions;
    private final OriginAnswers answers;
    private final ProxyCandidates candidates;
    private final SdpLimits limits;
    private final SdpRewriter rewriter;

    /**
     * @param balancer the session store and registry
     * @param client the HTTP client towards origins
     * @param sessions the started sessions
     * @param answers what of the origin's answer reaches the client
     * @param candidates the proxy's advertised candidates
     * @param limits SDP limits
     */
    public SessionResourceHandler(OriginLoadBalancer balancer, OriginClient client, SessionSweeper sessions,
                                  OriginAnswers answers, ProxyCandidates candidates, SdpLimits limits) {
        this.balancer = balancer;
        this.client = client;
        this.sessions = sessions;
        this.answers = answers;
        this.candidates = candidates;
        this.limits = limits;
        this.rewriter = new SdpRewriter(limits);
    }

    /** A value looked up for a request, or the response that refuses the request. */
    private record Found<T>(T value, ApiResponse refusal) {
    }

    /** The session named by the capability in {@code ?session=}, else 404 (or 503). */
    private Found<WebRtcSession> session(ApiRequest req) {
        String id = req.queryParam("session");
        try {
            Optional<WebRtcSession> s = id == null || id.isEmpty() ? Optional.empty() : balancer.sessions().findById(id);
            return s.map(v -> new Found<>(v, null))
                    .orElseGet(() -> new Found<>(null, ApiResponse.error(404, "no such session")));
        } catch (BalancerUnavailableException e) {
            return new Found<>(null, ApiResponse.error(503, "session store unavailable"));
        }
    }

    /**
     * The origin's resource of a session on the origin's registered API address now, or empty
     * when the origin is no longer registered or has no API endpoint.
     */
    private Found<Optional<URI>> originResource(WebRtcSession s) {
        try {
            return new Found<>(balancer.registry().find(s.originId())
                    .flatMap(o -> o.address(OriginProtocol.API, OriginEndpoint.Transport.TCP))
                    .map(api -> OriginClient.pinned(api, s.originLocation())), null);
        } catch (BalancerUnavailableException e) {
            return new Found<>(null, ApiResponse.error(503, "registry unavailable"));
        }
    }

    /**
     * Ends a session: forwarded to the origin's resource, then removed from the store. When
     * the origin refuses (anything but 2xx or 404) the session stays and the client hears the
     * refusal; when the origin is gone or unreachable, the session ends here all the same.
     */
    public ApiResponse delete(ApiRequest req) {
        Found<WebRtcSession> found = session(req);
        if (found.refusal() != null) {
            return found.refusal();
        }
        WebRtcSession s = found.value();
        if (s.originLocation() != null) {
            Found<Optional<URI>> target = originResource(s);
            if (target.refusal() != null) {
                return target.refusal();
            }
            if (target.value().isPresent()) {
                try {
                    HttpRequest.Builder out = client.request(target.value().get()).DELETE();
                    client.forwardHeaders(req, out);
                    HttpResponse<byte[]> resp = client.send(out.build());
                    if (resp.statusCode() >= 300 && resp.statusCode() != 404) {
                        return answers.passThroughError(resp);
                    }
                } catch (OriginFailure f) {
                    LOG.debug("origin of session {} did not answer the DELETE; ending it here", s.publicId());
                }
            }
        }
        try {
            balancer.sessions().remove(s.username());
        } catch (BalancerUnavailableException e) {
            LOG.warn("session {} not removed from the store: {}", s.publicId(), e.getMessage());
        }
        sessions.end(s.id(), EndReason.CLIENT_CLOSED);
        return ApiResponse.builder(200).build();
    }

    /** Trickle ICE or an ICE restart, forwarded; a restart re-keys the session. */
    public ApiResponse patch(ApiRequest req) {
        Found<WebRtcSession> found = session(req);
        if (found.refusal() != null) {
            return found.refusal();
        }
        String type = req.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(SDPFRAG)) {
            return ApiResponse.error(415, "PATCH needs " + SDPFRAG);
        }
        WebRtcSession s = found.value();
        if (s.originLocation() == null) {
            return ApiResponse.error(405, "the origin gave this session no resource to PATCH");
        }
        SessionDescription clientFrag;
        try {
            clientFrag = SessionDescription.parseTrickleFragment(SessionDescription.fromUtf8(req.body(), limits), limits);
        } catch (SdpException e) {
            return Responses.badSdp(e);
        }
        Found<Optional<URI>> target = originResource(s);
        if (target.refusal() != null) {
            return target.refusal();
        }
        if (target.value().isEmpty()) {
            return ApiResponse.error(502, "the origin of this session is gone");
        }
        // Client candidates never reach the origin (as in offers): it reaches the client only
        // through the proxy.
        byte[] forwarded = clientFrag.candidates().isEmpty() ? req.body()
                : rewriter.stripOfferCandidates(clientFrag).getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> resp;
        try {
            HttpRequest.Builder out = client.request(target.value().get())
                    .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(forwarded))
                    .header("Content-Type", type);
            Optional.ofNullable(req.header("If-Match")).ifPresent(v -> out.header("If-Match", v));
            client.forwardHeaders(req, out);
            resp = client.send(out.build());
        } catch (OriginFailure f) {
            return f.response();
        }
        if (resp.statusCode() >= 300) {
            return answers.passThroughError(resp);
        }
        ApiResponse.Builder b = ApiResponse.builder(resp.statusCode());
        answers.copyPassedHeaders(resp, b);
        byte[] body = resp.body();
        if (body.length > 0) {
            try {
                SessionDescription originFrag = SessionDescription.parseTrickleFragment(
                        SessionDescription.fromUtf8(body, limits), limits);
                Optional<IceCredentials> clientNew = clientFrag.findIceCredentials();
                Optional<IceCredentials> originNew = originFrag.findIceCredentials();
                if (clientNew.isPresent() && originNew.isPresent()) {
                    String newUser = originNew.get().stunUsernameFrom(clientNew.get());
                    if (!newUser.equals(s.username())) {
                        // ICE restart: the session lives on under its new credentials
                        balancer.sessions().store(s.withCredentials(newUser, originNew.get().pwd()));
                        balancer.sessions().remove(s.username());
                    }
                }
                // The origin's candidates become the proxy's, as in answers.
                body = (originFrag.candidates().isEmpty() ? rewriter.stripOfferCandidates(originFrag)
                        : rewriter.rewriteAnswer(originFrag, candidates)).getBytes(StandardCharsets.UTF_8);
            } catch (SdpException e) {
                return ApiResponse.error(502, "origin patch answer unusable: " + e.getMessage());
            } catch (BalancerUnavailableException e) {
                return ApiResponse.error(503, "session store unavailable");
            }
        }
        return b.body(body).build();
    }
}
