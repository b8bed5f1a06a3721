package dev.originproxy.examples.gateway;

import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancers;
import dev.originproxy.testkit.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /healthz} and {@code /readyz} on the system API of a gateway in this JVM. */
class GatewayProbesTest {
    private static GatewayConfig loopback(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("PROXY_WORKERS", "2"));
        env.putAll(extra);
        return LoopbackGateways.config(env);
    }

    @Test
    @Timeout(30)
    void probesAnswerWithoutTheTokenTheViewsNeed() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_SYSTEM_API_AUTH_TOKEN", "s3cret")))) {
            int api = gateway.systemApiAddress().getPort();
            assertThat(GatewayJar.get(api, "/api/v1/origins").statusCode()).isEqualTo(401);

            HttpResponse<String> live = GatewayJar.get(api, "/healthz");
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.body()).contains("\"status\":\"ok\"", "\"webrtc_workers\":\"2/2\"", "\"srt_workers\":\"2/2\"");
            HttpResponse<String> ready = GatewayJar.get(api, "/readyz");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"status\":\"ok\"", "\"listeners\":\"bound\"",
                    "\"balancer\":\"memory: reachable, 0 live origin(s)\"");
            assertThat(GatewayJar.get(api, "/healthzz").statusCode()).isEqualTo(404);
            assertThat(GatewayJar.post(api, "/readyz", "{}").statusCode()).isEqualTo(405);
        }
    }

    @Test
    @Timeout(30)
    void readyzTurnsUnavailableWhileDrainingAndHealthzStaysUp() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of()))) {
            int api = gateway.systemApiAddress().getPort();
            assertThat(GatewayJar.get(api, "/readyz").statusCode()).isEqualTo(200);
            gateway.drain();
            HttpResponse<String> ready = GatewayJar.get(api, "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"status\":\"not ready\"", "\"reason\":\"draining");
            assertThat(GatewayJar.get(api, "/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    @Timeout(60)
    void readyzTurnsUnavailableWhenTheRedisBalancerIsUnreachable() throws Exception {
        int nothingListens = FreePorts.tcp();
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_LOAD_BALANCER_TYPE", "redis",
                "PROXY_REDIS_HOST", "127.0.0.1", "PROXY_REDIS_PORT", Integer.toString(nothingListens))))) {
            int api = gateway.systemApiAddress().getPort();
            HttpResponse<String> ready = GatewayJar.get(api, "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"reason\":\"balancer unavailable", "\"balancer\":\"redis: unavailable\"");
            assertThat(GatewayJar.get(api, "/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void healthzNamesTheRouterWhoseWorkerDied() {
        AtomicInteger srtAlive = new AtomicInteger(2);
        try (OriginLoadBalancer memory = OriginLoadBalancers.create("memory", Map.of())) {
            HealthProbes probes = new HealthProbes(memory, () -> true, () -> false,
                    new HealthProbes.Workers("webrtc", () -> 2, 2), new HealthProbes.Workers("srt", srtAlive::get, 2));
            assertThat(probes.handle(get("/healthz")).status()).isEqualTo(200);
            srtAlive.set(1);
            ApiResponse dead = probes.handle(get("/healthz"));
            assertThat(dead.status()).isEqualTo(503);
            assertThat(new String(dead.body(), StandardCharsets.UTF_8))
                    .contains("\"reason\":\"srt: 1 of 2 relay worker(s) died\"");
            assertThat(probes.handle(get("/readyz")).status()).isEqualTo(503);
        }
    }

    private static ApiRequest get(String path) {
        return ApiRequest.of("GET", path, new byte[0]);
    }
}
