package dev.originproxy.examples.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /console/} on the system API of a gateway in this JVM: files from the jar, no token, no CDN. */
class ConsolePagesTest {
    @Test
    @Timeout(30)
    void servesTheConsoleFilesWithoutTheTokenTheViewsNeed() throws Exception {
        try (Gateway gateway = Gateway.start(LoopbackGateways.config(Map.of("PROXY_VIEWS_AUTH_TOKEN", "t0ken")))) {
            int api = gateway.systemApiAddress().getPort();
            assertThat(GatewayJar.get(api, "/api/v1/sessions").statusCode()).isEqualTo(401);

            HttpResponse<String> index = GatewayJar.get(api, "/console/");
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(index.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'");
            // Everything the page loads comes from the gateway itself.
            assertThat(index.body()).contains("<script src=\"console.js\">", "href=\"console.css\"")
                    .doesNotContain("http://", "https://", "//cdn");
            HttpResponse<String> js = GatewayJar.get(api, "/console/console.js");
            assertThat(js.statusCode()).isEqualTo(200);
            assertThat(js.body()).contains("/api/v1/sessions", "setInterval(refresh, REFRESH_MS)", "Bearer ")
                    .doesNotContain("http://", "https://");
            assertThat(GatewayJar.get(api, "/console/console.css").statusCode()).isEqualTo(200);

            assertThat(GatewayJar.get(api, "/console").statusCode()).isEqualTo(301);
            assertThat(GatewayJar.get(api, "/console/../api/v1/sessions").statusCode()).isIn(400, 404);
            assertThat(GatewayJar.get(api, "/console/secret.txt").statusCode()).isEqualTo(404);
            assertThat(GatewayJar.post(api, "/console/", "{}").statusCode()).isEqualTo(405);
        }
    }
}
