package dev.originproxy.core.origin;

import dev.originproxy.core.storage.OriginJson;

import dev.originproxy.core.FakeClock;
import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.api.BearerAuth;
import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.MemoryLoadBalancer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RegistrationHandlerTest {
    static final String HEARTBEAT = "{\"device_id\":\"dev1\",\"ip\":\"10.0.0.5\",\"server\":\"vid-a1\",\"service\":\"svc9\","
            + "\"pid\":\"4242\",\"rtmp\":[\"1935\"],\"http\":[\"8080\"],\"api\":[\"1985\"],"
            + "\"srt\":[\"10080\"],\"rtc\":[\"udp://0.0.0.0:8000\",\"tcp://0.0.0.0:8000\"]}";

    private final FakeClock clock = new FakeClock();
    private final MemoryLoadBalancer balancer = new MemoryLoadBalancer(BalancerConfig.from(Map.of()), clock);

    private ApiResponse post(RegistrationHandler h, String body, String auth) {
        Map<String, List<String>> headers = auth == null ? Map.of() : Map.of("authorization", List.of(auth));
        return h.handle(new ApiRequest("POST", "/api/v1/srs/register", null, headers,
                body.getBytes(StandardCharsets.UTF_8), new InetSocketAddress("127.0.0.1", 5555)));
    }

    @Test
    void registersAnSrsHeartbeat() {
        RegistrationHandler h = new RegistrationHandler(balancer.registry(), BearerAuth.none(), clock);
        ApiResponse r = post(h, HEARTBEAT, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("{\"code\":0,\"pid\":\"" + ProcessHandle.current().pid() + "\"}");
        OriginServer o = balancer.registry().find("vid-a1-svc9-4242").orElseThrow();
        assertThat(o.deviceId()).isEqualTo("dev1");
        assertThat(o.address(OriginProtocol.API, OriginEndpoint.Transport.TCP)).contains(new InetSocketAddress("10.0.0.5", 1985));
        assertThat(o.address(OriginProtocol.RTC, OriginEndpoint.Transport.UDP)).contains(new InetSocketAddress("10.0.0.5", 8000));
        assertThat(o.address(OriginProtocol.SRT, OriginEndpoint.Transport.UDP)).contains(new InetSocketAddress("10.0.0.5", 10080));
        assertThat(o.endpoints(OriginProtocol.RTC)).hasSize(2);
    }

    @Test
    void acceptsNumericPidAndMissingOptionalLists() {
        RegistrationHandler h = new RegistrationHandler(balancer.registry(), BearerAuth.none(), clock);
        ApiResponse r = post(h, "{\"ip\":\"10.0.0.6\",\"server\":\"s\",\"service\":\"v\",\"pid\":77,\"rtmp\":[\"1935\"]}", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(balancer.registry().find("s-v-77")).isPresent();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not json           | hello                                                                      | malformed JSON",
        "array              | []                                                                         | not a JSON object",
        "empty              | ''                                                                         | empty body",
        "missing ip         | {\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtmp\":[\"1935\"]} | missing field: ip",
        "missing rtmp       | {\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\"}  | missing field: rtmp",
        "missing pid        | {\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"rtmp\":[]}    | missing field: pid",
        "bad endpoint       | {\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtmp\":[\"x\"]} | field rtmp",
        "ip not an ip       | {\"ip\":\"evil host\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtmp\":[\"1\"]} | not an IP",
        "rtc not array      | {\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtmp\":[\"1\"],\"rtc\":5} | must be an array",
        "trailing garbage   | {\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtmp\":[\"1\"]} {} | trailing data",
    })
    void answersBadHeartbeatsWith400AndOneLineReason(String name, String body, String reason) {
        balancer.registry().register(new OriginServer("other", null, "10.9.9.9", Map.of(), clock.instant()));
        RegistrationHandler h = new RegistrationHandler(balancer.registry(), BearerAuth.none(), clock);
        ApiResponse r = post(h, body, null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.bodyText()).startsWith("{\"code\":400,\"error\":\"").contains(reason).doesNotContain("\n")
                .doesNotContain("10.9.9.9");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void rejectsOtherMethodsWith405() {
        RegistrationHandler h = new RegistrationHandler(balancer.registry(), BearerAuth.none(), clock);
        ApiResponse r = h.handle(ApiRequest.of("GET", "/api/v1/srs/register", null));
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("POST");
    }

    @Test
    void requiresTheBearerTokenWhenConfigured() {
        RegistrationHandler h = new RegistrationHandler(balancer.registry(), BearerAuth.token("s3cret"), clock);
        ApiResponse missing = post(h, HEARTBEAT, null);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");
        ApiResponse wrong = post(h, HEARTBEAT, "Bearer s3cres");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.header("WWW-Authenticate")).contains("invalid_token");
        assertThat(post(h, HEARTBEAT, "Basic s3cret").status()).isEqualTo(401);
        assertThat(balancer.registry().liveOrigins()).isEmpty();
        assertThat(post(h, HEARTBEAT, "Bearer s3cret").status()).isEqualTo(200);
        assertThat(balancer.registry().liveOrigins()).hasSize(1);
    }

    @Test
    void originJsonRoundTrips() throws Exception {
        OriginServer o = OriginJson.parseHeartbeat(HEARTBEAT.getBytes(StandardCharsets.UTF_8), clock.instant());
        OriginServer back = OriginJson.read(OriginJson.write(o));
        assertThat(back).isEqualTo(o);
        assertThat(back.lastHeartbeat()).isEqualTo(o.lastHeartbeat());
    }
}
