package dev.originproxy.core.origin;

import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.api.BearerAuth;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.OriginRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Objects;

/**
 * Answers SRS origin heartbeats ({@code POST /api/v1/srs/register}) framework-neutrally: a host
 * mounts it in any HTTP server. Success is {@code 200 {"code":0,"pid":"<this process>"}};
 * bad JSON or a missing field is a 400 with a one-line reason; a wrong method 405; an
 * unreachable shared registry 503; with a token configured, a missing or wrong bearer token 401
 * with {@code WWW-Authenticate: Bearer}. No answer carries another origin's address.
 *
 * <p>Thread-safe.
 */
public final class RegistrationHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RegistrationHandler.class);

    private final OriginRegistry registry;
    private final BearerAuth auth;
    private final Clock clock;
    private final String pid = Long.toString(ProcessHandle.current().pid());

    /**
     * @param registry where origins are registered
     * @param auth the token check, {@link BearerAuth#none()} for none
     * @param clock the time recorded for parsing (the registry stamps its own)
     */
    public RegistrationHandler(OriginRegistry registry, BearerAuth auth, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.auth = Objects.requireNonNull(auth, "auth");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Handles one request. Never throws. */
    public ApiResponse handle(ApiRequest request) {
        if (!request.method().equals("POST")) {
            return ApiResponse.builder(405).header("Allow", "POST")
                    .header("Content-Type", "application/json")
                    .body("{\"code\":405,\"error\":\"method not allowed\"}").build();
        }
        var denied = auth.check(request);
        if (denied.isPresent()) {
            return denied.get();
        }
        OriginServer origin;
        try {
            origin = OriginJson.parseHeartbeat(request.body(), clock.instant());
        } catch (InvalidRegistrationException e) {
            return ApiResponse.error(400, e.getMessage());
        }
        try {
            registry.register(origin);
        } catch (BalancerUnavailableException e) {
            LOG.warn("origin {} not registered: {}", origin.id(), e.getMessage());
            return ApiResponse.error(503, "registry unavailable");
        }
        LOG.debug("heartbeat from {}", origin);
        return ApiResponse.json(200, "{\"code\":0,\"pid\":\"" + pid + "\"}");
    }
}
