package dev.originproxy.examples.gateway;

import java.util.HashMap;
import java.util.Map;

/** Gateway settings for in-process tests: every listener on loopback, port 0 (a free port). */
final class LoopbackGateways {
    private LoopbackGateways() {
    }

    /** Loopback listeners, one worker, candidate 127.0.0.1, then {@code extra} on top. */
    static GatewayConfig config(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        for (String listener : new String[] {"PROXY_HTTP_API", "PROXY_SYSTEM_API", "PROXY_WEBRTC_SERVER",
                "PROXY_SRT_SERVER", "PROXY_HTTP_SERVER", "PROXY_RTMP_SERVER"}) {
            env.put(listener, "127.0.0.1:0");
        }
        env.put("PROXY_WEBRTC_CANDIDATE", "127.0.0.1");
        env.put("PROXY_WORKERS", "1");
        env.putAll(extra);
        return GatewayConfig.from(env);
    }
}
