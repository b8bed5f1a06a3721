package dev.originproxy.examples.gateway;

import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.FreePorts;
import dev.originproxy.testkit.PeerLogs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad settings and taken ports end the jar at once with one line naming the variable. */
@ExtendWith(PeerLogs.class)
class GatewayStartupFailureIT {
    private static Map<String, String> loopbackPorts() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PROXY_HTTP_API", "127.0.0.1:" + FreePorts.tcp());
        env.put("PROXY_SYSTEM_API", "127.0.0.1:" + FreePorts.tcp());
        env.put("PROXY_WEBRTC_SERVER", "127.0.0.1:" + FreePorts.udp());
        env.put("PROXY_SRT_SERVER", "127.0.0.1:" + FreePorts.udp());
        env.put("PROXY_HTTP_SERVER", "127.0.0.1:" + FreePorts.tcp());
        env.put("PROXY_RTMP_SERVER", "127.0.0.1:" + FreePorts.tcp());
        env.put("PROXY_WEBRTC_CANDIDATE", "127.0.0.1");
        return env;
    }

    private static List<String> runToExit(Path dir, Map<String, String> env, int expectedCode) {
        try (ExternalProcess gateway = GatewayJar.start(dir, env)) {
            assertThat(gateway.waitForExit(Duration.ofSeconds(30))).isEqualTo(expectedCode);
            return gateway.lines().stream().filter(l -> l.contains("originproxy:")).toList();
        }
    }

    @Test
    @Timeout(60)
    void aNonNumericPortExitsWithOneLineNamingTheVariable(@TempDir Path dir) {
        Map<String, String> env = loopbackPorts();
        env.put("PROXY_SRT_SERVER", "srt");
        assertThat(runToExit(dir, env, 2)).singleElement().asString()
                .contains("originproxy: bad setting: PROXY_SRT_SERVER: not a port or host:port: 'srt'");
    }

    @Test
    @Timeout(60)
    void anUnknownBalancerExitsWithOneLineNamingTheVariableAndTheKnownNames(@TempDir Path dir) {
        Map<String, String> env = loopbackPorts();
        env.put("PROXY_LOAD_BALANCER_TYPE", "round-robin");
        assertThat(runToExit(dir, env, 2)).singleElement().asString()
                .contains("PROXY_LOAD_BALANCER_TYPE: unknown load balancer 'round-robin'")
                .contains("least-sessions").contains("memory").contains("redis");
    }

    @Test
    @Timeout(60)
    void aPortInUseExitsWithOneLineNamingTheVariableAndAddress(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Map<String, String> env = loopbackPorts();
            env.put("PROXY_SYSTEM_API", "127.0.0.1:" + taken.getLocalPort());
            assertThat(runToExit(dir, env, 1)).singleElement().asString()
                    .contains("originproxy: cannot start: PROXY_SYSTEM_API: cannot listen on 127.0.0.1:"
                            + taken.getLocalPort());
        }
    }
}
