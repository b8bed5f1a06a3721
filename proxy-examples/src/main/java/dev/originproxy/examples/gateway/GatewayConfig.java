package dev.originproxy.examples.gateway;

import dev.originproxy.core.api.BearerAuth;
import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.OriginLoadBalancers;
import dev.originproxy.core.balancer.PlacementStrategy;
import dev.originproxy.core.origin.RegistrationPolicy;
import dev.originproxy.core.relay.api.RelayDefaults;
import dev.originproxy.core.relay.api.UdpTransport;
import dev.originproxy.sdp.ProxyCandidates;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's settings, read from environment variables with the SRS Go proxy's names and
 * defaults, plus a few of originproxy's own (all prefixed {@code PROXY_}). Every bad value fails
 * {@link #from} with a {@link ConfigException} that names the variable.
 *
 * <p>Listen addresses: a value without {@code :} is a port on all interfaces ({@code 11985});
 * with one it is {@code host:port} ({@code 127.0.0.1:11985}, {@code [::1]:11985}, or
 * {@code :11985} for all interfaces). Port 0 binds a free port (logged at startup).
 *
 * <p>Immutable.
 */
public final class GatewayConfig {
    /** SRS variables of servers this gateway does not have yet, with the SRS defaults. */
    static final Map<String, String> NOT_SERVED = Map.of();

    /** The largest PROXY_UDP_SOCKET_BUFFER accepted (the kernel caps it at net.core.rmem_max anyway). */
    static final int MAX_UDP_SOCKET_BUFFER = 256 << 20;

    private final InetSocketAddress httpApi;
    private final InetSocketAddress webrtcServer;
    private final List<InetAddress> udpBindAddresses;
    private final InetSocketAddress srtServer;
    private final InetSocketAddress systemApi;
    private final InetSocketAddress httpServer;
    private final InetSocketAddress rtmpServer;
    private final Optional<Path> staticFiles;
    private final String balancerType;
    private final Map<String, String> balancerSettings;
    private final Map<String, String> balancerKeyToVariable;
    private final List<String> candidates;
    private final int workers;
    private final int udpSocketBuffer;
    private final UdpTransport udpTransport;
    private final byte[] srtCookieSecret;
    private final Duration sessionIdleTimeout;
    private final Duration srtHandshakeTimeout;
    private final boolean originSuspicion;
    private final Duration originGoneAfter;
    private final Duration placementReleaseGrace;
    private final Duration originRequestTimeout;
    private final Duration hlsSessionTtl;
    private final BearerAuth httpApiAuth;
    private final BearerAuth systemApiAuth;
    private final BearerAuth whipAuth;
    private final RegistrationPolicy registrationPolicy;
    private final Duration httpHeadTimeout;
    private final Duration httpBodyTimeout;
    private final int httpMaxConnectionsPerSource;
    private final Duration graceQuitTimeout;
    private final Duration forceQuitTimeout;
    private final String logLevel;
    private final String logFormat;
    private final Map<String, String> notServed;

    private GatewayConfig(Reader r) {
        this.httpApi = r.listen("PROXY_HTTP_API", "11985");
        this.webrtcServer = r.listen("PROXY_WEBRTC_SERVER", "18000");
        this.srtServer = r.listen("PROXY_SRT_SERVER", "20080");
        this.udpBindAddresses = r.ipList("PROXY_UDP_BIND_ADDRESSES");
        this.systemApi = r.listen("PROXY_SYSTEM_API", "12025");
        this.httpServer = r.listen("PROXY_HTTP_SERVER", "18080");
        this.rtmpServer = r.listen("PROXY_RTMP_SERVER", "11935");
        this.staticFiles = r.optional("PROXY_STATIC_FILES").map(dir -> {
            Path p = Path.of(dir);
            if (!Files.isDirectory(p)) {
                throw new ConfigException("PROXY_STATIC_FILES", "not a directory: '" + dir + "'");
            }
            return p;
        });

        this.balancerType = r.text("PROXY_LOAD_BALANCER_TYPE", OriginLoadBalancers.DEFAULT);
        try {
            OriginLoadBalancers.provider(balancerType);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("PROXY_LOAD_BALANCER_TYPE", e.getMessage());
        }
        Map<String, String> lb = new LinkedHashMap<>();
        Map<String, String> keyToVar = new LinkedHashMap<>();
        lb.put("origin.ttl", r.duration("PROXY_ORIGIN_SERVER_TTL", "300s").getSeconds() + "s");
        keyToVar.put("origin.ttl", "PROXY_ORIGIN_SERVER_TTL");
        lb.put("session.ttl", r.duration("PROXY_WEBRTC_SESSION_TTL", "60s").toMillis() + "ms");
        keyToVar.put("session.ttl", "PROXY_WEBRTC_SESSION_TTL");
        this.hlsSessionTtl = r.duration("PROXY_HLS_SESSION_TTL", "60s");
        lb.put("hls.session.ttl", hlsSessionTtl.toMillis() + "ms");
        keyToVar.put("hls.session.ttl", "PROXY_HLS_SESSION_TTL");
        lb.put("hls.sessions.max", Integer.toString(r.integer("PROXY_HLS_SESSIONS_MAX", "100000", 1, Integer.MAX_VALUE)));
        keyToVar.put("hls.sessions.max", "PROXY_HLS_SESSIONS_MAX");
        String strategy = r.text("PROXY_PLACEMENT_STRATEGY", "random");
        try {
            PlacementStrategy.parse(strategy);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("PROXY_PLACEMENT_STRATEGY", "unknown strategy '" + strategy
                    + "'; known: random, least-streams, hash");
        }
        lb.put("placement.strategy", strategy);
        keyToVar.put("placement.strategy", "PROXY_PLACEMENT_STRATEGY");
        boolean backend = r.bool("PROXY_DEFAULT_BACKEND_ENABLED", false);
        lb.put("default.backend.enabled", Boolean.toString(backend));
        lb.put("default.backend.ip", r.ipLiteral("PROXY_DEFAULT_BACKEND_IP", "127.0.0.1"));
        lb.put("default.backend.api", Integer.toString(r.port("PROXY_DEFAULT_BACKEND_API", "1985", 1)));
        lb.put("default.backend.rtc", Integer.toString(r.port("PROXY_DEFAULT_BACKEND_RTC", "8000", 1)));
        lb.put("default.backend.srt", Integer.toString(r.port("PROXY_DEFAULT_BACKEND_SRT", "10080", 1)));
        lb.put("default.backend.http", Integer.toString(r.port("PROXY_DEFAULT_BACKEND_HTTP", "8080", 1)));
        lb.put("default.backend.rtmp", Integer.toString(r.port("PROXY_DEFAULT_BACKEND_RTMP", "1935", 1)));
        keyToVar.put("default.backend.enabled", "PROXY_DEFAULT_BACKEND_ENABLED");
        keyToVar.put("default.backend.ip", "PROXY_DEFAULT_BACKEND_IP");
        keyToVar.put("default.backend.api", "PROXY_DEFAULT_BACKEND_API");
        keyToVar.put("default.backend.rtc", "PROXY_DEFAULT_BACKEND_RTC");
        keyToVar.put("default.backend.srt", "PROXY_DEFAULT_BACKEND_SRT");
        keyToVar.put("default.backend.http", "PROXY_DEFAULT_BACKEND_HTTP");
        keyToVar.put("default.backend.rtmp", "PROXY_DEFAULT_BACKEND_RTMP");
        // Redis settings are passed only when set, so the provider's own defaults apply otherwise;
        // other balancers ignore keys they do not know.
        r.optional("PROXY_REDIS_HOST").ifPresent(v -> lb.put("redis.host", v));
        if (r.optional("PROXY_REDIS_PORT").isPresent()) {
            lb.put("redis.port", Integer.toString(r.port("PROXY_REDIS_PORT", "6379", 1)));
        }
        r.optional("PROXY_REDIS_PASSWORD").ifPresent(v -> lb.put("redis.password", v));
        if (r.optional("PROXY_REDIS_DB").isPresent()) {
            lb.put("redis.database", Integer.toString(r.integer("PROXY_REDIS_DB", "0", 0, 65535)));
        }
        r.optional("PROXY_REDIS_KEY_PREFIX").ifPresent(v -> lb.put("redis.key-prefix", v));
        keyToVar.put("redis.host", "PROXY_REDIS_HOST");
        keyToVar.put("redis.port", "PROXY_REDIS_PORT");
        keyToVar.put("redis.password", "PROXY_REDIS_PASSWORD");
        keyToVar.put("redis.database", "PROXY_REDIS_DB");
        keyToVar.put("redis.key-prefix", "PROXY_REDIS_KEY_PREFIX");
        // Redis Sentinel (originproxy's own): the master name and the sentinels to ask for it.
        r.optional("PROXY_REDIS_SENTINEL_MASTER").ifPresent(v -> lb.put("redis.sentinel.master", v));
        r.optional("PROXY_REDIS_SENTINELS").ifPresent(v -> lb.put("redis.sentinels", v));
        keyToVar.put("redis.sentinel.master", "PROXY_REDIS_SENTINEL_MASTER");
        keyToVar.put("redis.sentinels", "PROXY_REDIS_SENTINELS");
        this.balancerSettings = Collections.unmodifiableMap(lb);
        this.balancerKeyToVariable = Collections.unmodifiableMap(keyToVar);

        this.candidates = r.candidates("PROXY_WEBRTC_CANDIDATE");
        this.workers = r.integer("PROXY_WORKERS", Integer.toString(RelayDefaults.udpWorkers()), 1, 256);
        this.udpSocketBuffer = r.bytes("PROXY_UDP_SOCKET_BUFFER", Integer.toString(RelayDefaults.udpSocketBufferBytes()), MAX_UDP_SOCKET_BUFFER);
        try {
            // unset: the JVM-wide default (system property originproxy.udp.transport, else auto)
            this.udpTransport = r.optional("PROXY_UDP_TRANSPORT").map(UdpTransport::parse)
                    .orElseGet(UdpTransport::fromSystemProperty);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("PROXY_UDP_TRANSPORT", e.getMessage());
        }
        Optional<String> secret = r.optional("PROXY_SRT_COOKIE_SECRET");
        if (secret.isPresent() && secret.get().getBytes(StandardCharsets.UTF_8).length < 16) {
            throw new ConfigException("PROXY_SRT_COOKIE_SECRET", "must be at least 16 bytes");
        }
        this.srtCookieSecret = secret.map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(null);
        this.sessionIdleTimeout = r.duration("PROXY_SESSION_IDLE_TIMEOUT", "30s");
        this.srtHandshakeTimeout = r.duration("PROXY_SRT_HANDSHAKE_TIMEOUT", "3s");
        this.originSuspicion = r.bool("PROXY_ORIGIN_SUSPICION", true);
        this.originGoneAfter = r.duration("PROXY_ORIGIN_GONE_AFTER", "2s");
        this.placementReleaseGrace = r.duration("PROXY_PLACEMENT_RELEASE_GRACE", "10s");
        this.originRequestTimeout = r.duration("PROXY_ORIGIN_REQUEST_TIMEOUT", "5s");

        // SRS 8.0.28 (PR #4726): PROXY_HTTP_API_AUTH_* guard origin registration; SRS origins
        // send the token with SRS_HEARTBEAT_AUTH_*. WHIP/WHEP tokens belong to the origin.
        boolean authEnabled = r.bool("PROXY_HTTP_API_AUTH_ENABLED", false);
        String authType = r.text("PROXY_HTTP_API_AUTH_TYPE", "bearer").toLowerCase(Locale.ROOT);
        if (!authType.equals("bearer")) {
            throw new ConfigException("PROXY_HTTP_API_AUTH_TYPE", "unsupported type '" + authType
                    + "'; origin registration takes bearer only (origins send SRS_HEARTBEAT_AUTH_TYPE=bearer"
                    + " and SRS_HEARTBEAT_AUTH_TOKEN)");
        }
        if (authEnabled) {
            String token = r.optional("PROXY_HTTP_API_AUTH_TOKEN").orElseThrow(() ->
                    new ConfigException("PROXY_HTTP_API_AUTH_TOKEN", "required when PROXY_HTTP_API_AUTH_ENABLED is on"));
            this.httpApiAuth = BearerAuth.token(token);
        } else {
            this.httpApiAuth = BearerAuth.none();
        }
        this.whipAuth = r.optional("PROXY_WHIP_AUTH_TOKEN").map(BearerAuth::token).orElse(BearerAuth.none());
        // PROXY_SYSTEM_API_AUTH_TOKEN is the older name of the views token.
        this.systemApiAuth = r.optional("PROXY_VIEWS_AUTH_TOKEN").or(() -> r.optional("PROXY_SYSTEM_API_AUTH_TOKEN"))
                .map(BearerAuth::token).orElse(BearerAuth.none());
        RegistrationPolicy.Builder policy = RegistrationPolicy.builder()
                .allowSpecialAddresses(r.bool("PROXY_ORIGIN_ALLOW_SPECIAL_ADDRESSES", false))
                .maxOrigins(r.integer("PROXY_MAX_ORIGINS", Integer.toString(RegistrationPolicy.DEFAULT_MAX_ORIGINS),
                        1, 1_000_000));
        for (String cidr : r.text("PROXY_ORIGIN_ALLOWED_NETWORKS", "").split(",")) {
            if (!cidr.isBlank()) {
                try {
                    policy.allowNetwork(cidr);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("PROXY_ORIGIN_ALLOWED_NETWORKS", e.getMessage());
                }
            }
        }
        this.registrationPolicy = policy.build();
        this.httpHeadTimeout = r.duration("PROXY_HTTP_HEAD_TIMEOUT", "5s");
        this.httpBodyTimeout = r.duration("PROXY_HTTP_BODY_TIMEOUT", "10s");
        this.httpMaxConnectionsPerSource = r.integer("PROXY_HTTP_MAX_CONNECTIONS_PER_SOURCE", "64", 1, 1_000_000);

        this.graceQuitTimeout = r.duration("PROXY_GRACE_QUIT_TIMEOUT", "20s");
        this.forceQuitTimeout = r.duration("PROXY_FORCE_QUIT_TIMEOUT", "30s");
        if (forceQuitTimeout.compareTo(graceQuitTimeout) < 0) {
            throw new ConfigException("PROXY_FORCE_QUIT_TIMEOUT", "shorter than PROXY_GRACE_QUIT_TIMEOUT");
        }
        String level = r.text("PROXY_LOG_LEVEL", "info").toLowerCase(Locale.ROOT);
        if (!List.of("trace", "debug", "info", "warn", "error", "off").contains(level)) {
            throw new ConfigException("PROXY_LOG_LEVEL", "unknown level '" + level
                    + "'; known: trace, debug, info, warn, error, off");
        }
        this.logLevel = level;
        String format = r.text("PROXY_LOG_FORMAT", "text").toLowerCase(Locale.ROOT);
        if (!List.of("text", "json").contains(format)) {
            throw new ConfigException("PROXY_LOG_FORMAT", "unknown format '" + format + "'; known: text, json");
        }
        this.logFormat = format;
        Map<String, String> ns = new LinkedHashMap<>();
        NOT_SERVED.keySet().stream().sorted().forEach(k -> ns.put(k, r.text(k, NOT_SERVED.get(k))));
        this.notServed = Collections.unmodifiableMap(ns);
    }

    /**
     * Reads the settings.
     *
     * @param env the variables (the process environment merged with {@code .env})
     * @throws ConfigException naming the first bad variable
     */
    public static GatewayConfig from(Map<String, String> env) {
        return new GatewayConfig(new Reader(env));
    }

    /** RTMP publish and play ({@code PROXY_RTMP_SERVER}, default 11935 as the SRS Go proxy). */
    public InetSocketAddress rtmpServer() {
        return rtmpServer;
    }

    /** HTTP-FLV/TS, HLS and static files ({@code PROXY_HTTP_SERVER}, default 18080 as SRS). */
    public InetSocketAddress httpServer() {
        return httpServer;
    }

    /** The directory of static files served on {@code PROXY_HTTP_SERVER} ({@code PROXY_STATIC_FILES}), if any. */
    public Optional<Path> staticFiles() {
        return staticFiles;
    }

    /** WHIP/WHEP signalling ({@code PROXY_HTTP_API}, default 11985). */
    public InetSocketAddress httpApi() {
        return httpApi;
    }

    /**
     * The addresses the UDP routers listen on, one socket each, on their configured ports
     * ({@code PROXY_UDP_BIND_ADDRESSES}, comma list of IP literals); empty: the address of
     * {@code PROXY_WEBRTC_SERVER} / {@code PROXY_SRT_SERVER} alone. On a multi-homed host, list
     * the advertised addresses so replies leave from the address each client sent to.
     */
    public List<InetAddress> udpBindAddresses() {
        return udpBindAddresses;
    }

    /** The WebRTC media UDP port ({@code PROXY_WEBRTC_SERVER}, default 18000). */
    public InetSocketAddress webrtcServer() {
        return webrtcServer;
    }

    /** The SRT UDP port ({@code PROXY_SRT_SERVER}, default 20080). */
    public InetSocketAddress srtServer() {
        return srtServer;
    }

    /** Origin registration and the admin views ({@code PROXY_SYSTEM_API}, default 12025). */
    public InetSocketAddress systemApi() {
        return systemApi;
    }

    /** The balancer's provider name ({@code PROXY_LOAD_BALANCER_TYPE}, default memory). */
    public String balancerType() {
        return balancerType;
    }

    /** The settings map handed to the balancer provider. */
    public Map<String, String> balancerSettings() {
        return balancerSettings;
    }

    /**
     * Maps a balancer's {@link IllegalArgumentException} (which names a settings key) back to the
     * environment variable that set it.
     */
    public ConfigException balancerError(IllegalArgumentException e) {
        String msg = String.valueOf(e.getMessage());
        for (Map.Entry<String, String> kv : balancerKeyToVariable.entrySet()) {
            if (msg.startsWith(kv.getKey())) {
                String rest = msg.substring(kv.getKey().length()).replaceFirst("^[:\\s]+", "");
                return new ConfigException(kv.getValue(), rest);
            }
        }
        return new ConfigException("PROXY_LOAD_BALANCER_TYPE", balancerType + ": " + msg);
    }

    /** Addresses advertised in WebRTC candidates ({@code PROXY_WEBRTC_CANDIDATE}). */
    public List<String> candidates() {
        return candidates;
    }

    /** Relay event-loop workers per router ({@code PROXY_WORKERS}). */
    public int workers() {
        return workers;
    }

    /** SO_RCVBUF/SO_SNDBUF of the UDP relay sockets, bytes; 0 = system default ({@code PROXY_UDP_SOCKET_BUFFER}, default 1 MiB). */
    public int udpSocketBuffer() {
        return udpSocketBuffer;
    }

    /** The UDP relay's system calls ({@code PROXY_UDP_TRANSPORT}: auto, nio, mmsg). */
    public UdpTransport udpTransport() {
        return udpTransport;
    }

    /** The SRT SYN-cookie secret ({@code PROXY_SRT_COOKIE_SECRET}); empty: a random one per process. */
    public Optional<byte[]> srtCookieSecret() {
        return Optional.ofNullable(srtCookieSecret).map(byte[]::clone);
    }

    /** A session with no packets for this long ends ({@code PROXY_SESSION_IDLE_TIMEOUT}, 30s). */
    public Duration sessionIdleTimeout() {
        return sessionIdleTimeout;
    }

    /** How long an origin may take to finish an SRT handshake ({@code PROXY_SRT_HANDSHAKE_TIMEOUT}, 3s). */
    public Duration srtHandshakeTimeout() {
        return srtHandshakeTimeout;
    }

    /**
     * Whether signals of a dead origin (ICMP unreachable, SRT handshake timeouts, HTTP connect
     * failures and 5xx) make it suspect until its next heartbeat ({@code PROXY_ORIGIN_SUSPICION}, on).
     */
    public boolean originSuspicion() {
        return originSuspicion;
    }

    /** How long a suspect origin may stay silent before its sessions end ({@code PROXY_ORIGIN_GONE_AFTER}, 2s). */
    public Duration originGoneAfter() {
        return originGoneAfter;
    }

    /** How long a stream without sessions keeps its placement ({@code PROXY_PLACEMENT_RELEASE_GRACE}, 10s). */
    public Duration placementReleaseGrace() {
        return placementReleaseGrace;
    }

    /**
     * How long an HLS viewer's session id lives without a request ({@code PROXY_HLS_SESSION_TTL},
     * 60s): in the balancer's store (fleet-wide with Redis) and as the viewer's idle bound.
     */
    public Duration hlsSessionTtl() {
        return hlsSessionTtl;
    }

    /** Whole-request timeout of signalling to origins ({@code PROXY_ORIGIN_REQUEST_TIMEOUT}, 5s). */
    public Duration originRequestTimeout() {
        return originRequestTimeout;
    }

    /**
     * Auth of origin registration ({@code PROXY_HTTP_API_AUTH_*}, as SRS 8.0.28 defines them;
     * origins send the token with {@code SRS_HEARTBEAT_AUTH_*}).
     */
    public BearerAuth httpApiAuth() {
        return httpApiAuth;
    }

    /**
     * The proxy's own check of WHIP/WHEP tokens ({@code PROXY_WHIP_AUTH_TOKEN}); none by default:
     * the client's {@code Authorization} then reaches the origin unchanged.
     */
    public BearerAuth whipAuth() {
        return whipAuth;
    }

    /** Auth of the views and {@code /metrics} ({@code PROXY_VIEWS_AUTH_TOKEN}, older name {@code PROXY_SYSTEM_API_AUTH_TOKEN}). */
    public BearerAuth systemApiAuth() {
        return systemApiAuth;
    }

    /** How long a client may take to send a request head on either HTTP API ({@code PROXY_HTTP_HEAD_TIMEOUT}, 5s; then 408). */
    public Duration httpHeadTimeout() {
        return httpHeadTimeout;
    }

    /** How long a client may take to send a request body after its head ({@code PROXY_HTTP_BODY_TIMEOUT}, 10s; then 408). */
    public Duration httpBodyTimeout() {
        return httpBodyTimeout;
    }

    /** Open connections per source address on each HTTP API ({@code PROXY_HTTP_MAX_CONNECTIONS_PER_SOURCE}, 64; then 429). */
    public int httpMaxConnectionsPerSource() {
        return httpMaxConnectionsPerSource;
    }

    /** What origin heartbeats may announce ({@code PROXY_ORIGIN_ALLOWED_NETWORKS}, {@code PROXY_ORIGIN_ALLOW_SPECIAL_ADDRESSES}, {@code PROXY_MAX_ORIGINS}). */
    public RegistrationPolicy registrationPolicy() {
        return registrationPolicy;
    }

    /** How long live sessions may run on after SIGTERM ({@code PROXY_GRACE_QUIT_TIMEOUT}, 20s). */
    public Duration graceQuitTimeout() {
        return graceQuitTimeout;
    }

    /** When the process exits at the latest after SIGTERM ({@code PROXY_FORCE_QUIT_TIMEOUT}, 30s). */
    public Duration forceQuitTimeout() {
        return forceQuitTimeout;
    }

    /** The log level ({@code PROXY_LOG_LEVEL}, info). */
    public String logLevel() {
        return logLevel;
    }

    /** The log line format ({@code PROXY_LOG_FORMAT}): {@code text} (default) or {@code json}, one object per line. */
    public String logFormat() {
        return logFormat;
    }

    /** SRS servers this gateway does not have yet, with their configured (or SRS default) values. */
    public Map<String, String> notServed() {
        return notServed;
    }

    /** Reads and validates single variables; every failure names its variable. */
    private static final class Reader {
        private final Map<String, String> env;

        Reader(Map<String, String> env) {
            this.env = env;
        }

        Optional<String> optional(String name) {
            String v = env.get(name);
            return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
        }

        String text(String name, String def) {
            return optional(name).orElse(def);
        }

        int integer(String name, String def, int min, int max) {
            String v = text(name, def);
            try {
                int n = Integer.parseInt(v);
                if (n < min || n > max) {
                    throw new ConfigException(name, "must be between " + min + " and " + max + ": '" + v + "'");
                }
                return n;
            } catch (NumberFormatException e) {
                throw new ConfigException(name, "not a number: '" + v + "'");
            }
        }

        int port(String name, String def, int min) {
            String v = text(name, def);
            try {
                int n = Integer.parseInt(v);
                if (n < min || n > 65535) {
                    throw new ConfigException(name, "not a port: '" + v + "'");
                }
                return n;
            } catch (NumberFormatException e) {
                throw new ConfigException(name, "not a port: '" + v + "'");
            }
        }

        boolean bool(String name, boolean def) {
            Optional<String> v = optional(name);
            if (v.isEmpty()) {
                return def;
            }
            switch (v.get().toLowerCase(Locale.ROOT)) {
                case "on": case "true": case "yes": case "1": return true;
                case "off": case "false": case "no": case "0": return false;
                default: throw new ConfigException(name, "not on/off: '" + v.get() + "'");
            }
        }

        /** A byte size: {@code 262144}, {@code 512k}, {@code 4m} (KiB/MiB; {@code kb}/{@code mb} too). */
        int bytes(String name, String def, int max) {
            String v = text(name, def).toLowerCase(Locale.ROOT);
            String digits = v.replaceFirst("(k|kb|kib|m|mb|mib)$", "");
            long unit = v.endsWith("k") || v.endsWith("kb") || v.endsWith("kib") ? 1024
                    : v.endsWith("m") || v.endsWith("mb") || v.endsWith("mib") ? 1024 * 1024 : 1;
            try {
                long n = Long.parseLong(digits.trim()) * unit;
                if (n < 0 || n > max) {
                    throw new ConfigException(name, "must be between 0 and " + (max >> 20) + "m: '" + v + "'");
                }
                return (int) n;
            } catch (NumberFormatException e) {
                throw new ConfigException(name, "not a size (e.g. 4m, 512k, 262144): '" + v + "'");
            }
        }

        Duration duration(String name, String def) {
            String v = text(name, def);
            try {
                return BalancerConfig.parseDuration(name, v);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, "not a duration (e.g. 20s, 500ms, 5m): '" + v + "'");
            }
        }

        String ipLiteral(String name, String def) {
            String v = text(name, def);
            try {
                ProxyCandidates.builder().address(v);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, "not an IP address: '" + v + "'");
            }
            return v;
        }

        InetSocketAddress listen(String name, String def) {
            String v = text(name, def);
            int colon = v.lastIndexOf(':');
            String host = colon < 0 ? "" : v.substring(0, colon);
            String portText = colon < 0 ? v : v.substring(colon + 1);
            int port;
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new ConfigException(name, "not a port or host:port: '" + v + "'");
            }
            if (port < 0 || port > 65535) {
                throw new ConfigException(name, "port out of range: '" + v + "'");
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                return new InetSocketAddress(port);
            }
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw new ConfigException(name, "unknown host '" + host + "'");
            }
        }

        List<InetAddress> ipList(String name) {
            Optional<String> v = optional(name);
            if (v.isEmpty()) {
                return List.of();
            }
            List<InetAddress> out = new ArrayList<>();
            for (String part : v.get().split(",")) {
                String a = part.trim();
                if (a.isEmpty()) {
                    continue;
                }
                if (!a.contains(":") && !a.matches("[0-9.]+")) {
                    throw new ConfigException(name, "not an IP literal: '" + a + "'");
                }
                try {
                    out.add(InetAddress.getByName(a)); // a literal: no lookup
                } catch (java.net.UnknownHostException e) {
                    throw new ConfigException(name, "not an IP literal: '" + a + "'");
                }
            }
            return List.copyOf(out);
        }

        List<String> candidates(String name) {
            Optional<String> v = optional(name);
            if (v.isEmpty()) {
                return List.of(defaultCandidate());
            }
            List<String> out = new ArrayList<>();
            ProxyCandidates.Builder check = ProxyCandidates.builder();
            for (String part : v.get().split(",")) {
                String a = part.trim();
                if (a.isEmpty()) {
                    continue;
                }
                try {
                    check.address(a);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, e.getMessage());
                }
                out.add(a);
            }
            if (out.isEmpty()) {
                throw new ConfigException(name, "no address");
            }
            return List.copyOf(out);
        }

        /** The first non-loopback IPv4 address of an interface that is up, else 127.0.0.1. */
        private static String defaultCandidate() {
            try {
                for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    if (!nif.isUp() || nif.isLoopback()) {
                        continue;
                    }
                    for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                            return a.getHostAddress();
                        }
                    }
                }
            } catch (SocketException e) {
                // no interface list: fall through to loopback, which still works on one machine
            }
            return "127.0.0.1";
        }
    }
}
