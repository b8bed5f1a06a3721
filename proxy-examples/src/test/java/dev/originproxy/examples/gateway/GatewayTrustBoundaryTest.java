package dev.originproxy.examples.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's registration findings against the gateway in this JVM, on loopback: SRS auth
 * semantics of {@code PROXY_HTTP_API_AUTH_*}, IP-literal-only registrations, the allowlist, the
 * cap, re-pointing a live origin id, and the views token. Requests that must come "from another
 * address" are sent from a socket bound to another loopback address (127.0.0.5).
 */
@Timeout(60)
class GatewayTrustBoundaryTest {
    private static final String LOCAL = "127.0.0.1";
    private static final String ELSEWHERE = "127.0.0.5";

    /** Every listener on loopback port 0, plus {@code extra}. */
    static GatewayConfig loopback(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "PROXY_HTTP_API", "127.0.0.1:0", "PROXY_SYSTEM_API", "127.0.0.1:0",
                "PROXY_WEBRTC_SERVER", "127.0.0.1:0", "PROXY_SRT_SERVER", "127.0.0.1:0", "PROXY_RTMP_SERVER", "127.0.0.1:0",
                "PROXY_WEBRTC_CANDIDATE", "127.0.0.1", "PROXY_WORKERS", "1", "PROXY_HTTP_SERVER", "127.0.0.1:0"));
        env.putAll(extra);
        return GatewayConfig.from(env);
    }

    private static String heartbeat(String pid, String ip, String api) {
        return "{\"device_id\":\"d\",\"ip\":\"" + ip + "\",\"server\":\"vid-1\",\"service\":\"s1\",\"pid\":\"" + pid
                + "\",\"rtmp\":[\"1935\"],\"api\":[\"" + api + "\"],\"srt\":[\"10080\"]}";
    }

    @Test
    void registrationNeedsTheSrsHttpApiAuthBearerToken() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_HTTP_API_AUTH_ENABLED", "on",
                "PROXY_HTTP_API_AUTH_TOKEN", "heartbeat-s3cret")))) {
            int api = gateway.systemApiAddress().getPort();
            String hb = heartbeat("1", "127.0.0.1", "1985");

            Reply none = post(LOCAL, api, "/api/v1/srs/register", hb, null);
            Reply wrong = post(LOCAL, api, "/api/v1/srs/register", hb, "Bearer guess");
            Reply right = post(LOCAL, api, "/api/v1/srs/register", hb, "Bearer heartbeat-s3cret");

            assertThat(none.status()).isEqualTo(401);
            assertThat(none.head()).containsIgnoringCase("WWW-Authenticate: Bearer");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(right.status()).isEqualTo(200);
            assertThat(GatewayJar.get(api, "/api/v1/origins").body()).contains("vid-1-s1-1").doesNotContain("guess");
        }
    }

    @Test
    void basicAuthIsRefusedAtStartupNamingBearer() {
        try {
            loopback(Map.of("PROXY_HTTP_API_AUTH_ENABLED", "on", "PROXY_HTTP_API_AUTH_TYPE", "basic",
                    "PROXY_HTTP_API_AUTH_TOKEN", "x"));
            throw new AssertionError("basic was accepted");
        } catch (ConfigException e) {
            assertThat(e.getMessage()).contains("PROXY_HTTP_API_AUTH_TYPE").contains("bearer")
                    .contains("SRS_HEARTBEAT_AUTH");
        }
    }

    @Test
    void registrationsOfNamesAndSpecialAddressesAreRefusedWith400() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of()))) {
            int api = gateway.systemApiAddress().getPort();
            Map<String, String> attempts = new LinkedHashMap<>();
            attempts.put("metadata", heartbeat("1", "169.254.169.254", "80"));
            attempts.put("unspecified", heartbeat("2", "0.0.0.0", "1985"));
            attempts.put("five octets", heartbeat("3", "1.2.3.4.5", "1985"));
            attempts.put("colons", heartbeat("4", "::::", "1985"));
            attempts.put("named endpoint", heartbeat("5", "127.0.0.1", "internal.corp:80"));
            attempts.put("multicast", heartbeat("6", "224.0.0.1", "1985"));
            attempts.put("link-local v6", heartbeat("7", "fe80::1", "1985"));
            attempts.put("link-local endpoint", heartbeat("8", "127.0.0.1", "169.254.169.254:80"));

            Map<String, Integer> statuses = new LinkedHashMap<>();
            for (var a : attempts.entrySet()) {
                statuses.put(a.getKey(), post(LOCAL, api, "/api/v1/srs/register", a.getValue(), null).status());
            }

            System.out.println("[figure] hostile registrations -> " + statuses);
            assertThat(statuses.values()).containsOnly(400);
            assertThat(GatewayJar.get(api, "/api/v1/origins").body()).doesNotContain("vid-1");
        }
    }

    @Test
    void anAllowlistKeepsOriginsToItsNetworks() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_ORIGIN_ALLOWED_NETWORKS", "10.0.0.0/8, 127.0.0.2/32")))) {
            int api = gateway.systemApiAddress().getPort();

            Reply outside = post(LOCAL, api, "/api/v1/srs/register", heartbeat("1", "127.0.0.1", "1985"), null);
            Reply inside = post(LOCAL, api, "/api/v1/srs/register", heartbeat("2", "127.0.0.2", "1985"), null);
            Reply endpointOutside = post(LOCAL, api, "/api/v1/srs/register",
                    heartbeat("3", "127.0.0.2", "127.0.0.1:1985"), null);

            assertThat(outside.status()).isEqualTo(400);
            assertThat(outside.body()).contains("outside the allowed networks");
            assertThat(inside.status()).isEqualTo(200);
            assertThat(endpointOutside.status()).isEqualTo(400);
        }
    }

    @Test
    void aRegistrationFloodStopsAtTheCapWith429() throws Exception {
        int cap = 50;
        int attempts = 400;
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_MAX_ORIGINS", Integer.toString(cap))))) {
            int api = gateway.systemApiAddress().getPort();
            int accepted = 0;
            int refused = 0;
            for (int i = 0; i < attempts; i++) {
                int status = post(LOCAL, api, "/api/v1/srs/register", heartbeat("p" + i, "127.0.0.1", "1985"), null).status();
                if (status == 200) {
                    accepted++;
                } else if (status == 429) {
                    refused++;
                }
            }
            int originsJson = GatewayJar.get(api, "/api/v1/origins").body().length();

            System.out.println("[figure] registration flood: " + attempts + " fake origins, " + accepted
                    + " accepted, " + refused + " refused with 429, /api/v1/origins " + originsJson + " bytes");
            assertThat(accepted).isEqualTo(cap);
            assertThat(refused).isEqualTo(attempts - cap);
            // a live origin's heartbeat still passes at the cap
            assertThat(post(LOCAL, api, "/api/v1/srs/register", heartbeat("p0", "127.0.0.1", "1985"), null).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void aLiveOriginIdCannotBeRepointedFromAnotherAddress() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of()))) {
            int api = gateway.systemApiAddress().getPort();
            assertThat(post(LOCAL, api, "/api/v1/srs/register", heartbeat("42", "127.0.0.1", "1985"), null).status())
                    .isEqualTo(200);

            Reply hijack = post(ELSEWHERE, api, "/api/v1/srs/register", heartbeat("42", "127.0.0.5", "1985"), null);
            Reply sameFromElsewhere = post(ELSEWHERE, api, "/api/v1/srs/register",
                    heartbeat("42", "127.0.0.1", "1985"), null);
            String afterHijack = GatewayJar.get(api, "/api/v1/origins").body();
            Reply moveFromItself = post(LOCAL, api, "/api/v1/srs/register", heartbeat("42", "127.0.0.6", "1985"), null);

            assertThat(hijack.status()).isEqualTo(409);
            assertThat(sameFromElsewhere.status()).isEqualTo(200);
            assertThat(afterHijack).contains("\"ip\":\"127.0.0.1\"").doesNotContain("127.0.0.5");
            assertThat(moveFromItself.status()).isEqualTo(200);
            assertThat(GatewayJar.get(api, "/api/v1/origins").body()).contains("\"ip\":\"127.0.0.6\"");
        }
    }

    @Test
    void viewsAndMetricsTakeTheirOwnToken() throws Exception {
        try (Gateway gateway = Gateway.start(loopback(Map.of("PROXY_VIEWS_AUTH_TOKEN", "views-s3cret")))) {
            int api = gateway.systemApiAddress().getPort();
            List<Integer> without = new ArrayList<>();
            List<Integer> with = new ArrayList<>();
            for (String path : List.of("/api/v1/origins", "/api/v1/streams", "/api/v1/sessions", "/metrics")) {
                without.add(get(LOCAL, api, path, null).status());
                with.add(get(LOCAL, api, path, "Bearer views-s3cret").status());
            }

            assertThat(without).containsOnly(401);
            assertThat(with).containsOnly(200);
            assertThat(post(LOCAL, api, "/api/v1/srs/register", heartbeat("1", "127.0.0.1", "1985"), null).status())
                    .isEqualTo(200);
        }
    }

    // ---- raw HTTP from a chosen local address ------------------------------------------------

    record Reply(int status, String head, String body) {
    }

    static Reply post(String from, int port, String path, String body, String authorization) throws IOException {
        return send(from, port, "POST", path, body, authorization);
    }

    static Reply get(String from, int port, String path, String authorization) throws IOException {
        return send(from, port, "GET", path, null, authorization);
    }

    private static Reply send(String from, int port, String method, String path, String body, String authorization)
            throws IOException {
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress(LOCAL, port), 5000);
            s.setSoTimeout(5000);
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n");
            if (authorization != null) {
                req.append("Authorization: ").append(authorization).append("\r\n");
            }
            if (body != null) {
                req.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            String head = split < 0 ? all : all.substring(0, split);
            String rest = split < 0 ? "" : all.substring(split + 4);
            int status = Integer.parseInt(head.substring(9, 12));
            return new Reply(status, head, rest);
        }
    }
}
