package dev.originproxy.sdp.whip;

import dev.originproxy.core.Direction;
import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.api.BearerAuth;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The WebRTC signalling half of the proxy: WHIP (RFC 9725) publish on {@code /rtc/v1/whip/},
 * WHEP play on {@code /rtc/v1/whep/}, the SRS JSON API on {@code /rtc/v1/publish/} and
 * {@code /rtc/v1/play/}, and CORS preflight. Framework-neutral: a host hands it an
 * {@link ApiRequest} from any HTTP server and writes back the {@link ApiResponse}.
 *
 * <p>{@code POST} (an offer): stream key, sticky placement, lifecycle {@code onStart} (a refusal
 * is a 409), the offer stripped of the client's candidates and {@code a=end-of-candidates} (a
 * full-ICE origin then reaches the client only through the proxy) forwarded with method, path,
 * query and the relevant headers to the origin's HTTP API; the answer's candidates replaced by
 * the proxy's; the session stored in the balancer's session store for the WebRTC routers; the
 * origin's status, {@code Content-Type}, {@code ETag}, {@code Link} and {@code Accept-Patch}
 * kept, and a {@code Location} that points at the proxy. {@code DELETE} on that location is
 * forwarded to the same origin and ends the session; {@code PATCH} (trickle ICE and ICE restart,
 * {@code application/trickle-ice-sdpfrag}) is forwarded too and an ICE restart re-keys the
 * session.
 *
 * <p>Errors carry a one-line reason and never an origin's address: no live origin 503, store
 * down 503, origin unreachable 502, too slow 504, origin 4xx/5xx passed through, bad body 400,
 * too large 413, wrong method 405, unknown session 404, bad token 401.
 *
 * <p>Thread-safe: call {@link #handle} from any number of HTTP threads. It blocks on the origin
 * for at most the request timeout.
 */
public final class WhipForwarder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WhipForwarder.class);
    private static final String WHIP = "/rtc/v1/whip/";
    private static final String WHEP = "/rtc/v1/whep/";
    private static final String PUBLISH = "/rtc/v1/publish/";
    private static final String PLAY = "/rtc/v1/play/";
    private static final String SDP = "application/sdp";
    private static final String SDPFRAG = "application/trickle-ice-sdpfrag";
    private static final List<String> PASSED_HEADERS = List.of("Content-Type", "ETag", "Link", "Accept-Patch");

    private final OriginLoadBalancer balancer;
    private final SessionLifecycle lifecycle;
    private final ProxyCandidates candidates;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final BearerAuth auth;
    private final int maxBodyBytes;
    private final SdpLimits limits;
    private final SdpRewriter rewriter;
    private final Clock clock;
    private final ScheduledExecutorService sweeper;
    private final SecureRandom random = new SecureRandom();
    /**
     * Sessions this forwarder started, by id, until they end; the value is when the store entry
     * was first seen missing (0 while it is there).
     */
    private final ConcurrentHashMap<String, Long> started = new ConcurrentHashMap<>();
    private final long missingGraceMillis;

    private WhipForwarder(Builder b) {
        this.balancer = Objects.requireNonNull(b.balancer, "balancer");
        this.lifecycle = b.lifecycle == null ? new SessionLifecycle() : b.lifecycle;
        this.candidates = Objects.requireNonNull(b.candidates, "candidates");
        this.requestTimeout = b.requestTimeout;
        this.http = b.http != null ? b.http : HttpClient.newBuilder()
                .connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.auth = b.auth;
        this.maxBodyBytes = b.maxBodyBytes;
        this.limits = b.limits;
        this.rewriter = new SdpRewriter(b.limits);
        this.clock = b.clock;
        this.missingGraceMillis = b.missingGrace.toMillis();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "whip-session-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = b.sweepInterval.toMillis();
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    /** A builder; balancer and candidates are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Handles one request. Never throws; every failure is a response with a one-line reason. */
    public ApiResponse handle(ApiRequest request) {
        try {
            return cors(route(request));
        } catch (RuntimeException e) {
            LOG.warn("signalling request {} failed", request, e);
            return cors(ApiResponse.error(500, "internal error"));
        }
    }

    private ApiResponse route(ApiRequest req) {
        String path = req.path();
        boolean whip = path.startsWith(WHIP);
        boolean whep = path.startsWith(WHEP);
        boolean legacy = path.equals(PUBLISH) || path.equals(PLAY)
                || path.equals(PUBLISH.substring(0, PUBLISH.length() - 1)) || path.equals(PLAY.substring(0, PLAY.length() - 1));
        if (!whip && !whep && !legacy) {
            return ApiResponse.error(404, "no such endpoint");
        }
        if (req.method().equals("OPTIONS")) {
            return ApiResponse.builder(204).build();
        }
        Optional<ApiResponse> denied = auth.check(req);
        if (denied.isPresent()) {
            return denied.get();
        }
        if (req.body().length > maxBodyBytes) {
            return ApiResponse.error(413, "body larger than " + maxBodyBytes + " bytes");
        }
        Direction direction = whip || path.startsWith(PUBLISH.substring(0, PUBLISH.length() - 1))
                ? Direction.PUBLISH : Direction.PLAY;
        switch (req.method()) {
            case "POST":
                return req.queryParam("session") != null && !legacy
                        ? ApiResponse.error(405, "POST is not allowed on a session resource")
                        : offer(req, direction, legacy);
            case "DELETE":
                return legacy ? methodNotAllowed("POST, OPTIONS") : delete(req);
            case "PATCH":
                return legacy ? methodNotAllowed("POST, OPTIONS") : patch(req);
            default:
                return methodNotAllowed(legacy ? "POST, OPTIONS" : "POST, PATCH, DELETE, OPTIONS");
        }
    }

    private static ApiResponse methodNotAllowed(String allow) {
        ApiResponse e = ApiResponse.error(405, "method not allowed");
        return copyWith(e, "Allow", allow);
    }

    // ---- POST -------------------------------------------------------------------------------

    private ApiResponse offer(ApiRequest req, Direction direction, boolean legacy) {
        String offerText;
        SrsEnvelope envelope = null;
        StreamKey key;
        try {
            if (legacy) {
                envelope = SrsEnvelope.parse(req.body(), maxBodyBytes);
                offerText = envelope.requireSdp();
                Optional<String> url = envelope.streamUrl();
                key = url.isPresent() ? StreamKey.fromStreamUrl(url.get())
                        : StreamKey.fromHttpRequest(req.header("Host"), req.path(), req.rawQuery());
            } else {
                offerText = SessionDescription.fromUtf8(req.body(), limits);
                key = StreamKey.fromHttpRequest(req.header("Host"), req.path(), req.rawQuery());
            }
        } catch (SdpException e) {
            return badSdp(e);
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
            return badSdp(e);
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
            lifecycle.start(new SessionInfo(id, SessionProtocol.WEBRTC, direction, key, origin.id(),
                    req.remoteAddress(), clock.instant()));
        } catch (SessionRefusedException e) {
            return ApiResponse.error(409, e.getMessage());
        }
        started.put(id, 0L);
        boolean ok = false;
        try {
            String body = legacy ? envelope.withSdp(stripped) : stripped;
            URI target = originUri(api.get(), req.path(), req.rawQuery());
            HttpRequest.Builder out = HttpRequest.newBuilder(target).timeout(requestTimeout)
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .header("Content-Type", legacy ? "application/json" : SDP);
            forwardHeaders(req, out);
            HttpResponse<byte[]> resp = send(out.build());
            if (resp.statusCode() >= 300) {
                end(id, EndReason.ORIGIN_REJECTED);
                return passThroughError(resp, origin);
            }
            String answerText;
            try {
                String respText = new String(resp.body(), StandardCharsets.UTF_8);
                SrsEnvelope answerEnvelope = legacy ? SrsEnvelope.parse(respText) : null;
                if (legacy && answerEnvelope.longField("code").orElse(0) != 0) {
                    end(id, EndReason.ORIGIN_REJECTED);
                    return ApiResponse.json(200, scrub(respText, origin));
                }
                answerText = legacy ? answerEnvelope.requireSdp() : SessionDescription.fromUtf8(resp.body(), limits);
                SessionDescription answer = SessionDescription.parse(answerText, limits);
                IceCredentials answerCreds = answer.iceCredentials();
                InetSocketAddress media = mediaAddress(answer, origin);
                String rewritten = rewriter.rewriteAnswer(answer, candidates);
                String location = resp.headers().firstValue("Location").orElse(null);
                WebRtcSession session = new WebRtcSession(id, answerCreds.stunUsernameFrom(offerCreds),
                        answerCreds.pwd(), key, origin.id(), media, direction, clock.instant(),
                        location == null ? null : target.resolve(location).toString());
                balancer.sessions().store(session);
                ok = true;
                return answerResponse(req, resp, legacy ? answerEnvelope.withSdp(rewritten) : rewritten, id, legacy);
            } catch (IllegalArgumentException e) { // SdpException included
                return ApiResponse.error(502, "origin answer unusable: " + e.getMessage());
            }
        } catch (OriginFailure f) {
            return f.response;
        } catch (BalancerUnavailableException e) {
            return ApiResponse.error(503, "session store unavailable, try again");
        } finally {
            if (!ok) {
                end(id, EndReason.ORIGIN_REJECTED);
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
        for (String h : PASSED_HEADERS) {
            resp.headers().allValues(h).forEach(v -> b.header(h, v));
        }
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
        StringBuilder loc = new StringBuilder(req.path()).append('?');
        if (req.rawQuery() != null) {
            for (String pair : req.rawQuery().split("&")) {
                if (!pair.isEmpty() && !pair.startsWith("session=")) {
                    loc.append(pair).append('&');
                }
            }
        }
        return loc.append("session=").append(URLEncoder.encode(id, StandardCharsets.UTF_8)).toString();
    }

    // ---- DELETE / PATCH ----------------------------------------------------------------------

    private Optional<WebRtcSession> session(ApiRequest req) {
        String id = req.queryParam("session");
        return id == null || id.isEmpty() ? Optional.empty() : balancer.sessions().findById(id);
    }

    private ApiResponse delete(ApiRequest req) {
        Optional<WebRtcSession> found;
        try {
            found = session(req);
        } catch (BalancerUnavailableException e) {
            return ApiResponse.error(503, "session store unavailable");
        }
        if (found.isEmpty()) {
            return ApiResponse.error(404, "no such session");
        }
        WebRtcSession s = found.get();
        int status = 200;
        if (s.originLocation() != null) {
            try {
                HttpRequest.Builder out = HttpRequest.newBuilder(URI.create(s.originLocation()))
                        .timeout(requestTimeout).DELETE();
                forwardHeaders(req, out);
                HttpResponse<byte[]> resp = send(out.build());
                status = resp.statusCode() < 300 || resp.statusCode() == 404 ? 200 : resp.statusCode();
            } catch (OriginFailure f) {
                // the origin is gone: the session ends here all the same
                status = 200;
            }
        }
        try {
            balancer.sessions().remove(s.username());
        } catch (BalancerUnavailableException e) {
            LOG.warn("session {} not removed from the store: {}", s.id(), e.getMessage());
        }
        end(s.id(), EndReason.CLIENT_CLOSED);
        return ApiResponse.builder(status).build();
    }

    private ApiResponse patch(ApiRequest req) {
        Optional<WebRtcSession> found;
        try {
            found = session(req);
        } catch (BalancerUnavailableException e) {
            return ApiResponse.error(503, "session store unavailable");
        }
        if (found.isEmpty()) {
            return ApiResponse.error(404, "no such session");
        }
        String type = req.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(SDPFRAG)) {
            return ApiResponse.error(415, "PATCH needs " + SDPFRAG);
        }
        WebRtcSession s = found.get();
        if (s.originLocation() == null) {
            return ApiResponse.error(405, "the origin gave this session no resource to PATCH");
        }
        SessionDescription clientFrag;
        try {
            clientFrag = SessionDescription.parseTrickleFragment(SessionDescription.fromUtf8(req.body(), limits), limits);
        } catch (SdpException e) {
            return badSdp(e);
        }
        HttpResponse<byte[]> resp;
        try {
            HttpRequest.Builder out = HttpRequest.newBuilder(URI.create(s.originLocation())).timeout(requestTimeout)
                    .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(req.body()))
                    .header("Content-Type", type);
            Optional.ofNullable(req.header("If-Match")).ifPresent(v -> out.header("If-Match", v));
            forwardHeaders(req, out);
            resp = send(out.build());
        } catch (OriginFailure f) {
            return f.response;
        }
        OriginServer origin = balancer.registry().find(s.originId()).orElse(null);
        if (resp.statusCode() >= 300) {
            return origin == null ? ApiResponse.error(resp.statusCode(), "origin refused the patch")
                    : passThroughError(resp, origin);
        }
        ApiResponse.Builder b = ApiResponse.builder(resp.statusCode());
        for (String h : PASSED_HEADERS) {
            resp.headers().allValues(h).forEach(v -> b.header(h, v));
        }
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
                body = rewriter.stripOfferCandidates(originFrag).getBytes(StandardCharsets.UTF_8);
            } catch (SdpException e) {
                return ApiResponse.error(502, "origin patch answer unusable: " + e.getMessage());
            } catch (BalancerUnavailableException e) {
                return ApiResponse.error(503, "session store unavailable");
            }
        }
        return b.body(body).build();
    }

    // ---- plumbing ---------------------------------------------------------------------------

    /** A failure to talk to the origin, already mapped to the client's response. */
    private static final class OriginFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient ApiResponse response;

        OriginFailure(ApiResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws OriginFailure {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new OriginFailure(ApiResponse.error(504, "origin timed out"));
        } catch (ConnectException e) {
            throw new OriginFailure(ApiResponse.error(502, "origin unreachable"));
        } catch (IOException e) {
            throw new OriginFailure(ApiResponse.error(502, "origin failed: " + e.getClass().getSimpleName()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OriginFailure(ApiResponse.error(503, "interrupted"));
        }
    }

    private void forwardHeaders(ApiRequest req, HttpRequest.Builder out) {
        String accept = req.header("Accept");
        if (accept != null) {
            out.header("Accept", accept);
        }
        // Without proxy auth, the client's token is meant for the origin; with it, it was ours.
        String authz = req.header("Authorization");
        if (authz != null && !auth.enabled()) {
            out.header("Authorization", authz);
        }
        if (req.remoteAddress() != null && req.remoteAddress().getAddress() != null) {
            String ip = req.remoteAddress().getAddress().getHostAddress();
            String prior = req.header("X-Forwarded-For");
            out.header("X-Forwarded-For", prior == null ? ip : prior + ", " + ip);
            out.header("X-Real-IP", ip);
        }
    }

    private static URI originUri(InetSocketAddress api, String path, String rawQuery) {
        String host = api.getAddress() != null ? api.getAddress().getHostAddress() : api.getHostString();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + api.getPort() + path + (rawQuery == null ? "" : "?" + rawQuery));
    }

    /** The origin's error status and body, with its addresses removed. */
    private static ApiResponse passThroughError(HttpResponse<byte[]> resp, OriginServer origin) {
        String text = scrub(new String(resp.body(), StandardCharsets.UTF_8), origin);
        if (text.length() > 512) {
            text = text.substring(0, 512);
        }
        ApiResponse.Builder b = ApiResponse.builder(resp.statusCode())
                .header("Content-Type", resp.headers().firstValue("Content-Type").orElse("text/plain"))
                .header("X-Error-Reason", "origin answered " + resp.statusCode());
        return b.body(text).build();
    }

    private static String scrub(String text, OriginServer origin) {
        return text.replace(origin.ip(), "origin");
    }

    private static ApiResponse badSdp(SdpException e) {
        if (e.reason() == SdpException.Reason.TOO_LARGE) {
            return ApiResponse.error(413, e.getMessage());
        }
        return ApiResponse.error(400, "bad SDP: " + e.getMessage());
    }

    private static ApiResponse cors(ApiResponse r) {
        ApiResponse.Builder b = ApiResponse.builder(r.status());
        r.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
        b.header("Access-Control-Allow-Origin", "*");
        b.header("Access-Control-Allow-Methods", "POST, PATCH, DELETE, OPTIONS");
        b.header("Access-Control-Allow-Headers", "Content-Type, Authorization, If-Match");
        b.header("Access-Control-Expose-Headers", "Location, ETag, Link, Accept-Patch");
        return b.body(r.body()).build();
    }

    private static ApiResponse copyWith(ApiResponse r, String name, String value) {
        ApiResponse.Builder b = ApiResponse.builder(r.status());
        r.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
        return b.header(name, value).body(r.body()).build();
    }

    private String newId() {
        byte[] b = new byte[12];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void end(String id, EndReason reason) {
        if (started.remove(id) != null) {
            lifecycle.end(id, reason, SessionCounters.ZERO);
        }
    }

    /**
     * Ends the lifecycle of sessions whose store entry is gone: a client that never connected,
     * or a session a router ended (possibly on another proxy instance).
     */
    private void sweep() {
        long now = clock.millis();
        for (var e : started.entrySet()) {
            String id = e.getKey();
            try {
                if (!lifecycle.isLive(id)) {
                    started.remove(id);
                } else if (balancer.sessions().findById(id).isPresent()) {
                    started.replace(id, e.getValue(), 0L);
                } else if (e.getValue() == 0L) {
                    // Missing once may be a store that restarted empty: a live router stores the
                    // session again on its next refresh, so wait a grace period before ending it.
                    started.replace(id, 0L, now);
                } else if (now - e.getValue() >= missingGraceMillis) {
                    end(id, EndReason.IDLE_TIMEOUT);
                }
            } catch (BalancerUnavailableException unavailable) {
                return; // try again next round
            } catch (RuntimeException failure) {
                LOG.warn("session sweep failed for {}", id, failure);
            }
        }
    }

    /** Sessions this forwarder started that are still live. */
    public int liveSessions() {
        return started.size();
    }

    /** Stops the sweeper. Live sessions stay in the store for the routers. */
    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    /** Configures a {@link WhipForwarder}; not thread-safe. */
    public static final class Builder {
        private OriginLoadBalancer balancer;
        private SessionLifecycle lifecycle;
        private ProxyCandidates candidates;
        private HttpClient http;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(5);
        private BearerAuth auth = BearerAuth.none();
        private int maxBodyBytes = 64 * 1024;
        private SdpLimits limits = SdpLimits.DEFAULT;
        private Clock clock = Clock.systemUTC();
        private Duration sweepInterval = Duration.ofSeconds(5);
        private Duration missingGrace = Duration.ofSeconds(30);

        private Builder() {
        }

        /** Placement, session store and registry (required). */
        public Builder balancer(OriginLoadBalancer balancer) {
            this.balancer = Objects.requireNonNull(balancer, "balancer");
            return this;
        }

        /** The lifecycle shared with the WebRTC router; default a private one. */
        public Builder lifecycle(SessionLifecycle lifecycle) {
            this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
            return this;
        }

        /** The proxy's advertised addresses and the WebRTC router's port (required). */
        public Builder candidates(ProxyCandidates candidates) {
            this.candidates = Objects.requireNonNull(candidates, "candidates");
            return this;
        }

        /** The HTTP client to reach origins; default HTTP/1.1, no redirects, the connect timeout. */
        public Builder httpClient(HttpClient client) {
            this.http = Objects.requireNonNull(client, "client");
            return this;
        }

        /** Connect timeout to origins; default 2 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Whole-request timeout to origins (then 504); default 5 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Bearer-token auth of signalling requests; default none. */
        public Builder auth(BearerAuth auth) {
            this.auth = Objects.requireNonNull(auth, "auth");
            return this;
        }

        /** Largest request body (then 413); default 64 KiB. */
        public Builder maxBodyBytes(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxBodyBytes must be positive");
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** SDP size, line count and line length limits; default {@link SdpLimits#DEFAULT}. */
        public Builder sdpLimits(SdpLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Wall clock for session times; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How often sessions whose store entry vanished are ended; default 5 s. */
        public Builder sweepInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("sweepInterval must be positive");
            }
            this.sweepInterval = interval;
            return this;
        }

        /**
         * How long a session's store entry must stay missing before the forwarder ends its
         * lifecycle; longer than the routers' store refresh interval. Default 30 s.
         */
        public Builder missingGrace(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("missingGrace must not be negative");
            }
            this.missingGrace = grace;
            return this;
        }

        /** The forwarder (its sweeper starts now). */
        public WhipForwarder build() {
            return new WhipForwarder(this);
        }
    }
}
