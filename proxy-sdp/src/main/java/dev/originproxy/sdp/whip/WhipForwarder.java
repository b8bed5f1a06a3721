package dev.originproxy.sdp.whip;

import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.api.BearerAuth;
import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.SdpLimits;
import dev.originproxy.sdp.whip.internal.OfferHandler;
import dev.originproxy.sdp.whip.internal.OriginAnswers;
import dev.originproxy.sdp.whip.internal.OriginClient;
import dev.originproxy.sdp.whip.internal.OriginExchange;
import dev.originproxy.sdp.whip.internal.Responses;
import dev.originproxy.sdp.whip.internal.SessionResourceHandler;
import dev.originproxy.sdp.whip.internal.SessionSweeper;
import dev.originproxy.sdp.whip.internal.SignallingEndpoint;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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

    private final BearerAuth auth;
    private final int maxBodyBytes;
    private final SessionSweeper sessions;
    private final OfferHandler offers;
    private final SessionResourceHandler resources;

    private WhipForwarder(Builder b) {
        OriginLoadBalancer balancer = Objects.requireNonNull(b.balancer, "balancer");
        SessionLifecycle lifecycle = b.lifecycle == null ? new SessionLifecycle() : b.lifecycle;
        ProxyCandidates candidates = Objects.requireNonNull(b.candidates, "candidates");
        this.auth = b.auth;
        this.maxBodyBytes = b.maxBodyBytes;
        // Without proxy auth, the client's token is meant for the origin; with it, it was ours.
        // Without a client from the host, each origin call is one blocking exchange on the handler
        // thread (see OriginExchange for what the JDK client cost per session).
        OriginClient client = b.http != null ? new OriginClient(b.http, b.requestTimeout, !b.auth.enabled())
                : new OriginClient(new OriginExchange(b.connectTimeout), b.requestTimeout, !b.auth.enabled());
        this.sessions = new SessionSweeper(balancer.sessions(), lifecycle, b.clock, b.sweepInterval, b.missingGrace);
        OriginAnswers answers = new OriginAnswers(balancer.registry());
        this.offers = new OfferHandler(balancer, lifecycle, candidates, client, sessions, answers, b.limits, b.clock,
                b.maxBodyBytes, b.originHealth);
        this.resources = new SessionResourceHandler(balancer, client, sessions, answers, candidates, b.limits);
    }

    /** A builder; balancer and candidates are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Handles one request. Never throws; every failure is a response with a one-line reason. */
    public ApiResponse handle(ApiRequest request) {
        try {
            return Responses.cors(route(request));
        } catch (RuntimeException e) {
            LOG.warn("signalling request {} failed", request, e);
            return Responses.cors(ApiResponse.error(500, "internal error"));
        }
    }

    private ApiResponse route(ApiRequest req) {
        SignallingEndpoint.Match match = SignallingEndpoint.match(req.rawPath());
        if (match.endpoint() == null) {
            return ApiResponse.error(match.refusal(), match.refusal() == 404 ? "no such endpoint"
                    : "unsupported signalling path; use " + SignallingEndpoint.WHIP.path() + " or "
                    + SignallingEndpoint.WHEP.path() + " with ?app=&stream=");
        }
        SignallingEndpoint endpoint = match.endpoint();
        boolean legacy = endpoint.legacy();
        if (req.method().equals("OPTIONS")) {
            return ApiResponse.builder(204).build();
        }
        Optional<ApiResponse> denied = auth.check(req);
        if (denied.isPresent()) {
            return denied.get();
        }
        if (!SignallingEndpoint.isValidRawQuery(req.rawQuery())) {
            return ApiResponse.error(400, "query has characters that must be percent-encoded");
        }
        if (req.body().length > maxBodyBytes) {
            return ApiResponse.error(413, "body larger than " + maxBodyBytes + " bytes");
        }
        switch (req.method()) {
            case "POST":
                return req.queryParam("session") != null && !legacy
                        ? ApiResponse.error(405, "POST is not allowed on a session resource")
                        : offers.offer(req, endpoint);
            case "DELETE":
                return legacy ? Responses.methodNotAllowed("POST, OPTIONS") : resources.delete(req);
            case "PATCH":
                return legacy ? Responses.methodNotAllowed("POST, OPTIONS") : resources.patch(req);
            default:
                return Responses.methodNotAllowed(legacy ? "POST, OPTIONS" : "POST, PATCH, DELETE, OPTIONS");
        }
    }

    /** Sessions this forwarder started that are still live. */
    public int liveSessions() {
        return sessions.live();
    }

    /** Stops the sweeper. Live sessions stay in the store for the routers. */
    @Override
    public void close() {
        sessions.close();
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
        private OriginHealth originHealth;

        private Builder() {
        }

        /**
         * Where origin failures are reported (connection refused, 5xx from its API): the origin
         * becomes suspect, and an offer whose origin refused the connection is tried once more on
         * the stream's new placement. Default none: failures are only answered (502).
         */
        public Builder originHealth(OriginHealth health) {
            this.originHealth = Objects.requireNonNull(health, "health");
            return this;
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

        /**
         * A JDK HTTP client to reach origins with. Default: none, each origin call is one blocking
         * HTTP/1.1 exchange on the handler thread ({@code http://} on the origin's registered
         * address, the connect timeout, no redirects), which costs far less per session.
         */
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
