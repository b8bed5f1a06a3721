package dev.originproxy.lb.redis.internal;

import dev.originproxy.core.balancer.BalancerConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Redis connection settings of the {@code redis} balancer, parsed and validated from the
 * provider's string map ({@code redis.*} keys; see the provider's javadoc for the table). Bad
 * values fail with an {@link IllegalArgumentException} whose message starts with the key.
 *
 * <p>Immutable and thread-safe.
 */
public final class RedisSettings {
    /** How the client reaches Redis. */
    public enum Mode { STANDALONE, SENTINEL, CLUSTER }

    /** A {@code host:port} pair. */
    public static final class Node {
        private final String host;
        private final int port;

        Node(String host, int port) {
            this.host = host;
            this.port = port;
        }

        /** The host name or IP literal (IPv6 without brackets). */
        public String host() {
            return host;
        }

        /** The TCP port. */
        public int port() {
            return port;
        }

        @Override
        public String toString() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    private final Mode mode;
    private final Node standalone;
    private final List<Node> clusterNodes;
    private final String sentinelMaster;
    private final List<Node> sentinels;
    private final String user;
    private final String password;
    private final int database;
    private final String keyPrefix;
    private final boolean tls;
    private final Duration timeout;
    private final int poolSize;

    private RedisSettings(Mode mode, Node standalone, List<Node> clusterNodes, String sentinelMaster,
                          List<Node> sentinels, String user, String password, int database, String keyPrefix,
                          boolean tls, Duration timeout, int poolSize) {
        this.mode = mode;
        this.standalone = standalone;
        this.clusterNodes = clusterNodes;
        this.sentinelMaster = sentinelMaster;
        this.sentinels = sentinels;
        this.user = user;
        this.password = password;
        this.database = database;
        this.keyPrefix = keyPrefix;
        this.tls = tls;
        this.timeout = timeout;
        this.poolSize = poolSize;
    }

    /** Reads the {@code redis.*} keys; other keys are ignored. */
    public static RedisSettings from(Map<String, String> c) {
        String host = text(c, "redis.host", "127.0.0.1");
        int port = intIn(c, "redis.port", 6379, 1, 65535);
        String user = blankToNull(c.get("redis.user"));
        String password = blankToNull(c.get("redis.password"));
        int database = intIn(c, "redis.database", 0, 0, Integer.MAX_VALUE);
        String prefix = c.getOrDefault("redis.key-prefix", "originproxy:");
        if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            // A brace in the prefix would become the hash tag and split our keys across slots.
            throw new IllegalArgumentException("redis.key-prefix: must not contain '{' or '}': '" + prefix + "'");
        }
        boolean tls = bool(c, "redis.tls", false);
        Duration timeout = c.get("redis.timeout") == null || c.get("redis.timeout").isBlank()
                ? Duration.ofSeconds(2) : BalancerConfig.parseDuration("redis.timeout", c.get("redis.timeout"));
        if (timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("redis.timeout: too long: '" + c.get("redis.timeout") + "'");
        }
        int pool = intIn(c, "redis.pool-size", 16, 1, 10_000);
        List<Node> cluster = nodes(c, "redis.cluster.nodes");
        String master = blankToNull(c.get("redis.sentinel.master"));
        List<Node> sentinels = nodes(c, "redis.sentinels");

        Mode mode = Mode.STANDALONE;
        if (!cluster.isEmpty()) {
            if (master != null || !sentinels.isEmpty()) {
                throw new IllegalArgumentException("redis.cluster.nodes: cannot be combined with redis.sentinel.master/redis.sentinels");
            }
            if (database != 0) {
                throw new IllegalArgumentException("redis.database: Redis Cluster has only database 0");
            }
            mode = Mode.CLUSTER;
        } else if (master != null || !sentinels.isEmpty()) {
            if (master == null) {
                throw new IllegalArgumentException("redis.sentinel.master: required with redis.sentinels");
            }
            if (sentinels.isEmpty()) {
                throw new IllegalArgumentException("redis.sentinels: required with redis.sentinel.master");
            }
            mode = Mode.SENTINEL;
        }
        return new RedisSettings(mode, new Node(host, port), cluster, master, sentinels, user, password, database,
                prefix, tls, timeout, pool);
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String text(Map<String, String> c, String key, String def) {
        String v = blankToNull(c.get(key));
        return v == null ? def : v;
    }

    private static int intIn(Map<String, String> c, String key, int def, int min, int max) {
        String v = blankToNull(c.get(key));
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new IllegalArgumentException(key + ": out of range [" + min + ", " + max + "]: '" + v + "'");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not an integer: '" + v + "'");
        }
    }

    private static boolean bool(Map<String, String> c, String key, boolean def) {
        String v = blankToNull(c.get(key));
        if (v == null) {
            return def;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true": case "on": case "yes": case "1": return true;
            case "false": case "off": case "no": case "0": return false;
            default: throw new IllegalArgumentException(key + ": not a boolean: '" + v + "'");
        }
    }

    private static List<Node> nodes(Map<String, String> c, String key) {
        String v = blankToNull(c.get(key));
        if (v == null) {
            return List.of();
        }
        List<Node> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new IllegalArgumentException(key + ": not host:port: '" + p + "'");
            }
            String host = p.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(p.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": not host:port: '" + p + "'");
            }
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new IllegalArgumentException(key + ": not host:port: '" + p + "'");
            }
            out.add(new Node(host, port));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(key + ": no host:port in '" + v + "'");
        }
        return Collections.unmodifiableList(out);
    }

    /** Standalone, Sentinel or Cluster. */
    public Mode mode() {
        return mode;
    }

    /** The standalone server ({@code redis.host}/{@code redis.port}). */
    public Node standalone() {
        return standalone;
    }

    /** Cluster seed nodes; empty unless {@link Mode#CLUSTER}. */
    public List<Node> clusterNodes() {
        return clusterNodes;
    }

    /** The Sentinel master name, or null. */
    public String sentinelMaster() {
        return sentinelMaster;
    }

    /** The sentinels; empty unless {@link Mode#SENTINEL}. */
    public List<Node> sentinels() {
        return sentinels;
    }

    /** The ACL user, or null. */
    public String user() {
        return user;
    }

    /** The password, or null. */
    public String password() {
        return password;
    }

    /** The database index. */
    public int database() {
        return database;
    }

    /** The prefix of every key. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** Whether to use TLS. */
    public boolean tls() {
        return tls;
    }

    /** Connect and socket timeout. */
    public Duration timeout() {
        return timeout;
    }

    /** Connections per server. */
    public int poolSize() {
        return poolSize;
    }

    /** Where it connects, for log lines (never the password). */
    public String describe() {
        switch (mode) {
            case CLUSTER: return "redis cluster " + clusterNodes;
            case SENTINEL: return "redis sentinel master '" + sentinelMaster + "' via " + sentinels;
            default: return "redis " + standalone + (database == 0 ? "" : "/" + database);
        }
    }
}
