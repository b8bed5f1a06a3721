package dev.originproxy.core.origin;

import dev.originproxy.core.storage.OriginJson;

import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.api.BearerAuth;
import dev.originproxy.core.api.LogThrottle;
import dev.originproxy.core.api.Redaction;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.OriginRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers SRS origin heartbeats ({@code POST /api/v1/srs/register}) framework-neutrally: a host
 * mounts it in any HTTP server. Success is {@code 200 {"code":0,"pid":"<this process>"}}.
 *
 * <p>The trust boundary of origin registration (see {@link RegistrationPolicy}): with a token
 * configured (SRS's {@code PROXY_HTTP_API_AUTH_*}; origins send it with
 * {@code SRS_HEARTBEAT_AUTH_*}), a missing or wrong bearer token is a 401 with
 * {@code WWW-Authenticate: Bearer}; bad JSON, a missing field, a name where an IP literal belongs
 * or an address the policy refuses is a 400 with a one-line reason; a new origin over the cap a
 * 429; re-pointing a live origin's id to other addresses from anywhere but its registered IP a
 * 409; a wrong method 405; an unreachable shared registry 503. No answer carries another origin's
 * address. One INFO line is logged per new, changed and (through {@link #logExpired()}) expired
 * origin; refusals are logged at WARN, rate-limited per source.
 *
 * <p>Thread-safe.
 */
public final class RegistrationHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RegistrationHandler.class);

    private final OriginRegistry registry;
    private final BearerAuth auth;
    private final RegistrationPolicy policy;
    private final Clock clock;
    private final LogThrottle refusalLog = new LogThrottle();
    private final String pid = Long.toString(ProcessHandle.current().pid());
    /** Origins this handler logged as live, by id (bounded: only accepted origins, under the cap). */
    private final ConcurrentHashMap<String, OriginServer> known = new ConcurrentHashMap<>();

    /**
     * A handler with {@link RegistrationPolicy#defaults()}.
     *
     * @param registry where origins are registered
     * @param auth the token check, {@link BearerAuth#none()} for none
     * @param clock the time recorded for parsing (the registry stamps its own)
     */
    public RegistrationHandler(OriginRegistry registry, BearerAuth auth, Clock clock) {
        this(registry, auth, RegistrationPolicy.defaults(), clock);
    }

    /**
     * @param registry where origins are registered
     * @param auth the token check, {@link BearerAuth#none()} for none
     * @param policy what a registration may announce
     * @param clock the time recorded for parsing (the registry stamps its own)
     */
    public RegistrationHandler(OriginRegistry registry, BearerAuth auth, RegistrationPolicy policy, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.auth = Objects.requireNonNull(auth, "auth");
        this.policy = Objects.requireNonNull(policy, "policy");
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
        InetAddress from = request.remoteAddress() == null ? null : request.remoteAddress().getAddress();
        OriginServer origin;
        try {
            origin = OriginJson.parseHeartbeat(request.body(), clock.instant());
        } catch (InvalidRegistrationException e) {
            return ApiResponse.error(400, e.getMessage());
        }
        Optional<String> bad = policy.checkAddresses(origin);
        if (bad.isPresent()) {
            refused(from, "origin {} refused: {}", origin.id(), bad.get());
            return ApiResponse.error(400, bad.get());
        }
        try {
            Optional<OriginServer> live = registry.find(origin.id());
            if (live.isPresent() && !RegistrationPolicy.mayRepoint(live.get(), origin, from)) {
                refused(from, "origin {} refused: it is live at {} and only a heartbeat from there may change its addresses",
                        origin.id(), live.get().ip());
                return ApiResponse.error(409, "origin id is live at another address; only a heartbeat from"
                        + " its registered address may change it, or wait for it to expire");
            }
            if (live.isEmpty() && registry.liveOrigins().size() >= policy.maxOrigins()) {
                refused(from, "origin {} refused: {} origins registered, the cap", origin.id(), policy.maxOrigins());
                return ApiResponse.error(429, "too many origins registered (" + policy.maxOrigins() + ")");
            }
            registry.register(origin);
            if (live.isEmpty()) {
                LOG.info("origin {} registered: ip {} {}", safe(origin.id()), origin.ip(), origin.endpoints());
            } else if (!live.get().ip().equals(origin.ip()) || !live.get().endpoints().equals(origin.endpoints())) {
                LOG.info("origin {} changed: ip {} {} (was ip {} {})", safe(origin.id()), origin.ip(),
                        origin.endpoints(), live.get().ip(), live.get().endpoints());
            }
            known.put(origin.id(), origin);
            if (known.size() > 2 * policy.maxOrigins()) {
                logExpired(); // a host that never calls it still keeps this map bounded
            }
        } catch (BalancerUnavailableException e) {
            LOG.warn("origin {} not registered: {}", safe(origin.id()), e.getMessage());
            return ApiResponse.error(503, "registry unavailable");
        }
        LOG.debug("heartbeat from {}", origin);
        return ApiResponse.json(200, "{\"code\":0,\"pid\":\"" + pid + "\"}");
    }

    /**
     * Logs one INFO line for each origin this handler saw that is no longer live, and forgets
     * it. A host calls this periodically (the gateway does every few seconds).
     *
     * @return the ids that expired since the last call
     */
    public List<String> logExpired() {
        Set<String> live = new HashSet<>();
        try {
            for (OriginServer o : registry.liveOrigins()) {
                live.add(o.id());
            }
        } catch (BalancerUnavailableException e) {
            return List.of();
        }
        List<String> expired = known.keySet().stream().filter(id -> !live.contains(id)).sorted().toList();
        for (String id : expired) {
            OriginServer o = known.remove(id);
            if (o != null) {
                LOG.info("origin {} expired: ip {}", safe(id), o.ip());
            }
        }
        return expired;
    }

    /** Refusal lines logged at most a few a minute per source. */
    private void refused(InetAddress from, String format, Object... args) {
        if (refusalLog.allow(from)) {
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof String s) {
                    args[i] = safe(s);
                }
            }
            LOG.warn(format + " (from {})", append(args, from == null ? "unknown" : from.getHostAddress()));
        }
    }

    private static Object[] append(Object[] args, Object last) {
        Object[] out = java.util.Arrays.copyOf(args, args.length + 1);
        out[args.length] = last;
        return out;
    }

    private static String safe(String attackerChosen) {
        return Redaction.oneLine(attackerChosen, 96);
    }

    /** Refusal log lines dropped by the per-source rate limit. */
    public long suppressedLogLines() {
        return refusalLog.suppressed();
    }
}
