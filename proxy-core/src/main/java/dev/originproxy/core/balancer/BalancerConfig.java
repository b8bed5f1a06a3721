package dev.originproxy.core.balancer;

import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The settings every balancer understands, read from a provider's string map. Bad values fail
 * with an {@link IllegalArgumentException} that names the key.
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>origin.ttl</td><td>300s</td><td>an origin without heartbeat for this long expires</td></tr>
 *   <tr><td>session.ttl</td><td>60s</td><td>a WebRTC session not refreshed for this long expires</td></tr>
 *   <tr><td>placement.ttl</td><td>origin.ttl</td><td>a placement not used for this long is forgotten</td></tr>
 *   <tr><td>hls.session.ttl</td><td>60s</td><td>an HLS viewer session not used for this long expires</td></tr>
 *   <tr><td>hls.sessions.max</td><td>100000</td><td>the most live HLS viewer sessions (fleet-wide in a shared store)</td></tr>
 *   <tr><td>placement.strategy</td><td>random</td><td>random, least-streams or hash</td></tr>
 *   <tr><td>default.backend.enabled</td><td>false</td><td>use a static origin when none registered</td></tr>
 *   <tr><td>default.backend.ip</td><td>127.0.0.1</td><td>its IP</td></tr>
 *   <tr><td>default.backend.api / .rtc / .srt / .rtmp / .http</td><td>1985 / 8000 / 10080 / 1935 / 8080</td><td>its ports</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe.
 */
public final class BalancerConfig {
    /** The id the default backend has in views and placements. */
    public static final String DEFAULT_BACKEND_ID = "default-backend";

    private final Duration originTtl;
    private final Duration sessionTtl;
    private final Duration placementTtl;
    private final PlacementStrategy strategy;
    private final OriginServer defaultBackend;
    private final Duration hlsSessionTtl;
    private final int hlsSessionsMax;

    private BalancerConfig(Duration originTtl, Duration sessionTtl, Duration placementTtl,
                           PlacementStrategy strategy, OriginServer defaultBackend,
                           Duration hlsSessionTtl, int hlsSessionsMax) {
        this.hlsSessionTtl = hlsSessionTtl;
        this.hlsSessionsMax = hlsSessionsMax;
        this.originTtl = originTtl;
        this.sessionTtl = sessionTtl;
        this.placementTtl = placementTtl;
        this.strategy = strategy;
        this.defaultBackend = defaultBackend;
    }

    /** Reads the common keys from {@code config}; unknown keys are left to the provider. */
    public static BalancerConfig from(Map<String, String> config) {
        Duration originTtl = duration(config, "origin.ttl", Duration.ofSeconds(300));
        Duration sessionTtl = duration(config, "session.ttl", Duration.ofSeconds(60));
        Duration placementTtl = duration(config, "placement.ttl", originTtl);
        PlacementStrategy strategy = PlacementStrategy.parse(config.getOrDefault("placement.strategy", "random"));
        OriginServer backend = null;
        if (bool(config, "default.backend.enabled", false)) {
            String ip = config.getOrDefault("default.backend.ip", "127.0.0.1");
            Map<OriginProtocol, List<OriginEndpoint>> eps = new EnumMap<>(OriginProtocol.class);
            eps.put(OriginProtocol.API, List.of(port(config, "default.backend.api", 1985, OriginEndpoint.Transport.TCP)));
            eps.put(OriginProtocol.RTC, List.of(port(config, "default.backend.rtc", 8000, OriginEndpoint.Transport.UDP)));
            eps.put(OriginProtocol.SRT, List.of(port(config, "default.backend.srt", 10080, OriginEndpoint.Transport.UDP)));
            eps.put(OriginProtocol.RTMP, List.of(port(config, "default.backend.rtmp", 1935, OriginEndpoint.Transport.TCP)));
            eps.put(OriginProtocol.HTTP, List.of(port(config, "default.backend.http", 8080, OriginEndpoint.Transport.TCP)));
            backend = new OriginServer(DEFAULT_BACKEND_ID, DEFAULT_BACKEND_ID, ip, eps, Instant.EPOCH);
        }
        return new BalancerConfig(originTtl, sessionTtl, placementTtl, strategy, backend,
                duration(config, "hls.session.ttl", Duration.ofSeconds(60)),
                positiveInt(config, "hls.sessions.max", 100_000));
    }

    /** How long an HLS viewer session lives without use. */
    public Duration hlsSessionTtl() {
        return hlsSessionTtl;
    }

    /** The most live HLS viewer sessions. */
    public int hlsSessionsMax() {
        return hlsSessionsMax;
    }

    private static int positiveInt(Map<String, String> c, String key, int def) {
        String v = c.get(key);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the one message
        }
        throw new IllegalArgumentException(key + ": not a positive integer: '" + v + "'");
    }

    /** How long an origin lives without a heartbeat. */
    public Duration originTtl() {
        return originTtl;
    }

    /** How long a WebRTC session lives without a refresh. */
    public Duration sessionTtl() {
        return sessionTtl;
    }

    /** How long an unused placement is kept. */
    public Duration placementTtl() {
        return placementTtl;
    }

    /** The placement strategy for new streams. */
    public PlacementStrategy strategy() {
        return strategy;
    }

    /** The static origin used when none has registered. */
    public Optional<OriginServer> defaultBackend() {
        return Optional.ofNullable(defaultBackend);
    }

    /** Parses {@code 300}, {@code 300s}, {@code 5m}, {@code 250ms} or an ISO-8601 {@code PT5M}. */
    public static Duration parseDuration(String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt")) {
                return positive(key, Duration.parse(t.toUpperCase(Locale.ROOT)));
            }
            if (t.endsWith("ms")) {
                return positive(key, Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2))));
            }
            if (t.endsWith("s")) {
                return positive(key, Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1))));
            }
            if (t.endsWith("m")) {
                return positive(key, Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1))));
            }
            if (t.endsWith("h")) {
                return positive(key, Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1))));
            }
            return positive(key, Duration.ofSeconds(Long.parseLong(t)));
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith(key)) {
                throw e;
            }
            throw new IllegalArgumentException(key + ": not a duration: '" + text + "'");
        }
    }

    private static Duration positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + ": must be positive");
        }
        return d;
    }

    private static Duration duration(Map<String, String> c, String key, Duration def) {
        String v = c.get(key);
        return v == null || v.isBlank() ? def : parseDuration(key, v);
    }

    private static boolean bool(Map<String, String> c, String key, boolean def) {
        String v = c.get(key);
        if (v == null || v.isBlank()) {
            return def;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true": case "on": case "yes": case "1": return true;
            case "false": case "off": case "no": case "0": return false;
            default: throw new IllegalArgumentException(key + ": not a boolean: '" + v + "'");
        }
    }

    private static OriginEndpoint port(Map<String, String> c, String key, int def, OriginEndpoint.Transport t) {
        String v = c.get(key);
        if (v == null || v.isBlank()) {
            return new OriginEndpoint(t, null, def);
        }
        try {
            return new OriginEndpoint(t, null, Integer.parseInt(v.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": not a port: '" + v + "'");
        }
    }
}
