package dev.originproxy.examples.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayConfigTest {
    @Test
    void defaultsAreTheSrsGoProxyDefaults() {
        GatewayConfig c = GatewayConfig.from(Map.of());
        assertThat(c.httpApi()).isEqualTo(new InetSocketAddress(11985));
        assertThat(c.webrtcServer()).isEqualTo(new InetSocketAddress(18000));
        assertThat(c.srtServer()).isEqualTo(new InetSocketAddress(20080));
        assertThat(c.systemApi()).isEqualTo(new InetSocketAddress(12025));
        assertThat(c.balancerType()).isEqualTo("memory");
        assertThat(c.balancerSettings()).containsEntry("origin.ttl", "300s")
                .containsEntry("default.backend.enabled", "false")
                .containsEntry("default.backend.ip", "127.0.0.1")
                .containsEntry("default.backend.api", "1985")
                .containsEntry("default.backend.rtc", "8000")
                .containsEntry("default.backend.srt", "10080")
                .doesNotContainKey("redis.host");
        assertThat(c.graceQuitTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.forceQuitTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.httpApiAuth().enabled()).isFalse();
        assertThat(c.notServed()).isEmpty();
        assertThat(c.rtmpServer()).isEqualTo(new InetSocketAddress(11935));
        assertThat(c.balancerSettings()).containsEntry("default.backend.rtmp", "1935");
    }

    @Test
    void readsHostAndPortOrAPortOnAllInterfaces() {
        GatewayConfig c = GatewayConfig.from(Map.of(
                "PROXY_HTTP_API", "127.0.0.1:1234",
                "PROXY_SYSTEM_API", ":2345",
                "PROXY_WEBRTC_SERVER", "[::1]:3456",
                "PROXY_SRT_SERVER", "4567"));
        assertThat(c.httpApi()).isEqualTo(new InetSocketAddress("127.0.0.1", 1234));
        assertThat(c.systemApi()).isEqualTo(new InetSocketAddress(2345));
        assertThat(c.webrtcServer()).isEqualTo(new InetSocketAddress("::1", 3456));
        assertThat(c.srtServer()).isEqualTo(new InetSocketAddress(4567));
    }

    @Test
    void mapsSrsVariablesToBalancerSettings() {
        GatewayConfig c = GatewayConfig.from(Map.of(
                "PROXY_LOAD_BALANCER_TYPE", "redis",
                "PROXY_REDIS_HOST", "127.0.0.1", "PROXY_REDIS_PORT", "6380", "PROXY_REDIS_DB", "2",
                "PROXY_REDIS_PASSWORD", "pw", "PROXY_REDIS_KEY_PREFIX", "p:",
                "PROXY_ORIGIN_SERVER_TTL", "5m",
                "PROXY_DEFAULT_BACKEND_ENABLED", "on", "PROXY_DEFAULT_BACKEND_SRT", "10081"));
        assertThat(c.balancerType()).isEqualTo("redis");
        assertThat(c.balancerSettings()).containsEntry("redis.host", "127.0.0.1")
                .containsEntry("redis.port", "6380").containsEntry("redis.database", "2")
                .containsEntry("redis.password", "pw").containsEntry("redis.key-prefix", "p:")
                .containsEntry("origin.ttl", "300s")
                .containsEntry("default.backend.enabled", "true").containsEntry("default.backend.srt", "10081");
    }

    @Test
    void namesTheVariableOfEveryBadValue() {
        assertBad(Map.of("PROXY_HTTP_API", "eleven"), "PROXY_HTTP_API: ");
        assertBad(Map.of("PROXY_SRT_SERVER", "70000"), "PROXY_SRT_SERVER: ");
        assertBad(Map.of("PROXY_LOAD_BALANCER_TYPE", "nope"), "PROXY_LOAD_BALANCER_TYPE: unknown load balancer 'nope'");
        assertBad(Map.of("PROXY_REDIS_PORT", "x"), "PROXY_REDIS_PORT: ");
        assertBad(Map.of("PROXY_ORIGIN_SERVER_TTL", "soon"), "PROXY_ORIGIN_SERVER_TTL: ");
        assertBad(Map.of("PROXY_DEFAULT_BACKEND_ENABLED", "maybe"), "PROXY_DEFAULT_BACKEND_ENABLED: ");
        assertBad(Map.of("PROXY_HTTP_API_AUTH_ENABLED", "on"), "PROXY_HTTP_API_AUTH_TOKEN: ");
        assertBad(Map.of("PROXY_HTTP_API_AUTH_TYPE", "basic"), "PROXY_HTTP_API_AUTH_TYPE: ");
        assertBad(Map.of("PROXY_WEBRTC_CANDIDATE", "example.com"), "PROXY_WEBRTC_CANDIDATE: ");
        assertBad(Map.of("PROXY_SRT_COOKIE_SECRET", "short"), "PROXY_SRT_COOKIE_SECRET: ");
        assertBad(Map.of("PROXY_GRACE_QUIT_TIMEOUT", "40s"), "PROXY_FORCE_QUIT_TIMEOUT: ");
        assertBad(Map.of("PROXY_PLACEMENT_STRATEGY", "best"), "PROXY_PLACEMENT_STRATEGY: ");
    }

    @Test
    void logFormatIsTextUnlessJsonIsAsked() {
        assertThat(GatewayConfig.from(Map.of()).logFormat()).isEqualTo("text");
        assertThat(GatewayConfig.from(Map.of("PROXY_LOG_FORMAT", "JSON")).logFormat()).isEqualTo("json");
        assertBad(Map.of("PROXY_LOG_FORMAT", "xml"), "PROXY_LOG_FORMAT: unknown format 'xml'");
    }

    private static void assertBad(Map<String, String> env, String messageStart) {
        assertThatThrownBy(() -> GatewayConfig.from(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(messageStart)
                .hasMessageNotContaining("\n");
    }

    @Test
    void dotEnvFillsInVariablesTheEnvironmentDoesNotSet(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(".env");
        Files.writeString(file, "# comment\nexport PROXY_HTTP_API=1111\nPROXY_SYSTEM_API=\"2222\"\n"
                + "PROXY_SRT_SERVER=3333 # trailing comment\n");
        Map<String, String> merged = DotEnv.merge(Map.of("PROXY_HTTP_API", "9999"), file);
        assertThat(merged).containsEntry("PROXY_HTTP_API", "9999")
                .containsEntry("PROXY_SYSTEM_API", "2222").containsEntry("PROXY_SRT_SERVER", "3333");
        assertThat(DotEnv.merge(Map.of("A", "1"), dir.resolve("missing"))).containsOnly(Map.entry("A", "1"));
    }

    @Test
    void aMalformedDotEnvLineIsABadSettingNamingTheLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(".env");
        Files.writeString(file, "PROXY_HTTP_API=1\nnot a setting\n");
        assertThatThrownBy(() -> DotEnv.merge(Map.of(), file))
                .isInstanceOf(ConfigException.class).hasMessageContaining(".env:2: not KEY=VALUE");
    }

    @Test
    void udpRelaySettingsDefaultToTheEngineDefaults() {
        GatewayConfig c = GatewayConfig.from(Map.of());
        assertThat(c.workers()).isEqualTo(dev.originproxy.core.relay.api.RelayDefaults.udpWorkers());
        assertThat(c.udpSocketBuffer()).isEqualTo(dev.originproxy.core.relay.api.RelayDefaults.udpSocketBufferBytes());
        assertThat(c.udpTransport()).isEqualTo(dev.originproxy.core.relay.api.UdpTransport.fromSystemProperty());
    }

    @Test
    void readsUdpSocketBufferSizesWithUnits() {
        assertThat(GatewayConfig.from(Map.of("PROXY_UDP_SOCKET_BUFFER", "4m")).udpSocketBuffer()).isEqualTo(4 << 20);
        assertThat(GatewayConfig.from(Map.of("PROXY_UDP_SOCKET_BUFFER", "512K")).udpSocketBuffer()).isEqualTo(512 << 10);
        assertThat(GatewayConfig.from(Map.of("PROXY_UDP_SOCKET_BUFFER", "262144")).udpSocketBuffer()).isEqualTo(262_144);
        assertThatThrownBy(() -> GatewayConfig.from(Map.of("PROXY_UDP_SOCKET_BUFFER", "lots")))
                .hasMessageContaining("PROXY_UDP_SOCKET_BUFFER").hasMessageContaining("not a size");
        assertThatThrownBy(() -> GatewayConfig.from(Map.of("PROXY_UDP_SOCKET_BUFFER", "1024m")))
                .hasMessageContaining("PROXY_UDP_SOCKET_BUFFER").hasMessageContaining("between 0 and 256m");
    }

    @Test
    void readsTheUdpTransportAndRejectsUnknownOnes() {
        assertThat(GatewayConfig.from(Map.of("PROXY_UDP_TRANSPORT", "nio")).udpTransport())
                .isEqualTo(dev.originproxy.core.relay.api.UdpTransport.NIO);
        assertThat(GatewayConfig.from(Map.of("PROXY_UDP_TRANSPORT", "MMSG")).udpTransport())
                .isEqualTo(dev.originproxy.core.relay.api.UdpTransport.MMSG);
        assertThatThrownBy(() -> GatewayConfig.from(Map.of("PROXY_UDP_TRANSPORT", "epoll")))
                .hasMessageContaining("PROXY_UDP_TRANSPORT").hasMessageContaining("auto, nio, mmsg");
    }
}
