package dev.originproxy.examples.gateway;

import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.NginxRtmpOrigin;
import dev.originproxy.testkit.PeerLogs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RTMP through the whole gateway: an nginx-rtmp origin registers with the SRS heartbeat, ffmpeg
 * publishes to {@code PROXY_RTMP_SERVER}, and the session shows in {@code /api/v1/sessions} and
 * {@code /metrics} while nginx receives the stream.
 */
@ExtendWith(PeerLogs.class)
class GatewayRtmpTest {
    private static GatewayConfig loopback() {
        Map<String, String> env = new HashMap<>(Map.of(
                "PROXY_HTTP_API", "127.0.0.1:0", "PROXY_SYSTEM_API", "127.0.0.1:0",
                "PROXY_WEBRTC_SERVER", "127.0.0.1:0", "PROXY_SRT_SERVER", "127.0.0.1:0",
                "PROXY_RTMP_SERVER", "127.0.0.1:0", "PROXY_HTTP_SERVER", "127.0.0.1:0",
                "PROXY_WEBRTC_CANDIDATE", "127.0.0.1", "PROXY_WORKERS", "1"));
        return GatewayConfig.from(env);
    }

    @Test
    @Timeout(60)
    void publishesRtmpThroughTheGatewayAndListsTheSession() throws Exception {
        try (NginxRtmpOrigin nginx = NginxRtmpOrigin.start();
             Gateway gateway = Gateway.start(loopback())) {
            int api = gateway.systemApiAddress().getPort();
            String heartbeat = "{\"device_id\":\"nginx\",\"ip\":\"127.0.0.1\",\"server\":\"vid-1\",\"service\":\"s1\","
                    + "\"pid\":\"42\",\"rtmp\":[\"" + nginx.rtmpPort() + "\"]}";
            assertThat(GatewayJar.post(api, "/api/v1/srs/register", heartbeat).statusCode()).isEqualTo(200);
            String url = "rtmp://127.0.0.1:" + gateway.rtmpAddress().getPort() + "/live/gw?token=t1";
            try (ExternalProcess ffmpeg = ExternalProcess.start("ffmpeg-publish", List.of("ffmpeg", "-hide_banner",
                    "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "20",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "flv", url))) {
                nginx.awaitPublishing("gw", Duration.ofSeconds(15));
                GatewayJar.awaitBody(api, "/api/v1/sessions",
                        b -> b.contains("\"rtmp\":[{") && b.contains("\"state\":\"relaying\""), Duration.ofSeconds(10));
                String sessions = GatewayJar.get(api, "/api/v1/sessions").body();
                assertThat(sessions).contains("\"stream\":\"__defaultVhost__/live/gw\"", "\"direction\":\"publish\"",
                        "\"origin\":\"vid-1-s1-42\"");
                String metrics = GatewayJar.get(api, "/metrics").body();
                assertThat(metrics).contains("originproxy_sessions_live{protocol=\"rtmp\"} 1\n",
                        "originproxy_rtmp_sessions_relayed_total 1\n");
                assertThat(nginx.log()).contains("args='token=t1'");
            }
        }
    }
}
