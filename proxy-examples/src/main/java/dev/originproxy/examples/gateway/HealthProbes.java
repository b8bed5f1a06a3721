package dev.originproxy.examples.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.OriginLoadBalancer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The gateway's Kubernetes-style probes on the system API, answered without a token (a kubelet
 * sends none, and they reveal nothing but up/down):
 *
 * <ul>
 *   <li>{@code GET /healthz} (liveness): 200 while the process runs and every relay worker thread
 *       of every router is alive; 503 naming the router whose worker died (restart the pod).</li>
 *   <li>{@code GET /readyz} (readiness): 200 when the listeners are bound, the balancer answers and
 *       the gateway is not draining; 503 with the reason otherwise. After SIGTERM the gateway
 *       drains, so {@code /readyz} turns 503 at once and a Service stops sending new clients
 *       while live sessions finish within the grace period.</li>
 * </ul>
 *
 * <p>The body is a small JSON object: {@code {"status":"ok"|"unhealthy"|"not ready","reason":..,
 * "checks":{..}}}. Thread-safe; {@code /readyz} asks the balancer (blocking I/O for Redis), so it
 * runs on the system API's request pool, never on a relay worker.
 */
final class HealthProbes {
    private static final JsonFactory JSON = new JsonFactory();

    /** One router's worker threads: how many run now, how many were started. */
    record Workers(String router, IntSupplier alive, int configured) {
    }

    private final Workers[] workers;
    private final OriginLoadBalancer balancer;
    private final BooleanSupplier listening;
    private final BooleanSupplier draining;

    /**
     * @param balancer asked for its live origins on every {@code /readyz}
     * @param listening whether every listener is bound and serving
     * @param draining whether a shutdown has begun
     * @param workers the routers' workers
     */
    HealthProbes(OriginLoadBalancer balancer, BooleanSupplier listening, BooleanSupplier draining, Workers... workers) {
        this.balancer = balancer;
        this.listening = listening;
        this.draining = draining;
        this.workers = workers.clone();
    }

    /** Whether this handler answers {@code path}. */
    static boolean answers(String path) {
        return path.equals("/healthz") || path.equals("/readyz");
    }

    /** Answers {@code GET /healthz} or {@code GET /readyz}; never throws. */
    ApiResponse handle(ApiRequest req) {
        if (!answers(req.path())) {
            return ApiResponse.error(404, "no such endpoint");
        }
        if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
            ApiResponse e = ApiResponse.error(405, "method not allowed");
            ApiResponse.Builder b = ApiResponse.builder(405).header("Allow", "GET, HEAD");
            e.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
            return b.body(e.body()).build();
        }
        return req.path().equals("/healthz") ? liveness() : readiness();
    }

    private ApiResponse liveness() {
        Map<String, String> checks = new LinkedHashMap<>();
        String failure = workerFailure(checks);
        return answer(failure == null ? 200 : 503, failure == null ? "ok" : "unhealthy", failure, checks);
    }

    private ApiResponse readiness() {
        Map<String, String> checks = new LinkedHashMap<>();
        String failure = null;
        if (draining.getAsBoolean()) {
            failure = "draining: shutting down, no new sessions";
        }
        checks.put("draining", Boolean.toString(draining.getAsBoolean()));
        boolean bound = listening.getAsBoolean();
        checks.put("listeners", bound ? "bound" : "not bound");
        if (failure == null && !bound) {
            failure = "listeners not bound";
        }
        String workerFailure = workerFailure(checks);
        if (failure == null) {
            failure = workerFailure;
        }
        try {
            int origins = balancer.registry().liveOrigins().size();
            checks.put("balancer", balancer.name() + ": reachable, " + origins + " live origin(s)");
        } catch (BalancerUnavailableException e) {
            checks.put("balancer", balancer.name() + ": unavailable");
            if (failure == null) {
                failure = "balancer unavailable: " + e.getMessage();
            }
        } catch (RuntimeException e) {
            checks.put("balancer", balancer.name() + ": failed");
            if (failure == null) {
                failure = "balancer failed: " + e;
            }
        }
        return answer(failure == null ? 200 : 503, failure == null ? "ok" : "not ready", failure, checks);
    }

    /** Records each router's workers in {@code checks}; the first router with a dead worker, or null. */
    private String workerFailure(Map<String, String> checks) {
        String failure = null;
        for (Workers w : workers) {
            int alive = w.alive().getAsInt();
            checks.put(w.router() + "_workers", alive + "/" + w.configured());
            if (alive < w.configured() && failure == null) {
                failure = w.router() + ": " + (w.configured() - alive) + " of " + w.configured()
                        + " relay worker(s) died";
            }
        }
        return failure;
    }

    private static ApiResponse answer(int status, String text, String reason, Map<String, String> checks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("status", text);
            if (reason != null) {
                g.writeStringField("reason", reason);
            }
            g.writeObjectFieldStart("checks");
            for (Map.Entry<String, String> e : checks.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ApiResponse.builder(status).header("Content-Type", "application/json")
                .header("Cache-Control", "no-store").body(out.toByteArray()).build();
    }
}
