package dev.originproxy.lb.redis.internal;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.HlsSessionStore;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginRegistry;
import dev.originproxy.core.balancer.SessionStore;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.origin.InvalidRegistrationException;
import dev.originproxy.core.storage.OriginJson;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The {@code redis} {@link OriginLoadBalancer}. Key schema (P = {@code <key-prefix>{op}:}):
 * <ul>
 *   <li>{@code P origin:<id>} origin JSON ({@link OriginJson}), PX origin TTL;</li>
 *   <li>{@code P origins} sorted set of origin ids scored by expiry (server ms);</li>
 *   <li>{@code P suspects} sorted set of suspect origin ids scored by when suspicion lapses
 *       ({@link OriginRegistry#suspect}); a heartbeat removes the origin from it;</li>
 *   <li>{@code P stream:<vhost/app/stream>} the origin id it is placed on, PX placement TTL;</li>
 *   <li>{@code P origin-streams:<id>} sorted set of streams placed on an origin, scored by expiry
 *       (for least-streams and the placement snapshot);</li>
 *   <li>{@code P session:<username>} session JSON, {@code P session-id:<id>} its username, both PX
 *       session TTL; {@code P sessions} sorted set of usernames scored by expiry;</li>
 *   <li>{@code P hls:<id>} HLS session JSON, PX HLS session TTL; {@code P hls-sessions} sorted set
 *       of ids scored by expiry ({@link RedisHlsSessions}).</li>
 * </ul>
 * Every key carries the one hash tag {@code {op}}, so in Redis Cluster all of them live in one
 * slot and every script is atomic over everything it touches.
 *
 * <p>Thread-safe: the jedis client pools connections; all cross-call state lives in Redis. Every
 * method blocks on the network; all of them go through a {@link RedisGuard}, which turns outages
 * into fast {@link BalancerUnavailableException}s.
 */
public final class RedisLoadBalancer implements OriginLoadBalancer {
    private static final Logger LOG = LoggerFactory.getLogger(RedisLoadBalancer.class);
    private static final int PLACEMENT_ATTEMPTS = 3;

    private final UnifiedJedis redis;
    private final Runnable dropIdleConnections;
    private final BalancerConfig config;
    private final Clock clock;
    private final RedisGuard guard;
    private final String space;
    private final String originsIndex;
    private final String sessionsIndex;
    private final String suspectsIndex;
    private final String defaultId;
    private final List<Consumer<WebRtcSession>> removalListeners = new CopyOnWriteArrayList<>();

    private final Registry registry = new Registry();
    private final Placement placement = new Placement();
    private final Sessions sessions = new Sessions();
    private final RedisHlsSessions hlsSessions;

    RedisLoadBalancer(UnifiedJedis redis, Runnable dropIdleConnections, BalancerConfig config,
                      RedisSettings settings, Clock clock) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.dropIdleConnections = dropIdleConnections;
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.guard = new RedisGuard(settings.describe(), System::nanoTime, dropIdleConnections);
        this.space = settings.keyPrefix() + "{op}:";
        this.originsIndex = space + "origins";
        this.sessionsIndex = space + "sessions";
        this.suspectsIndex = space + "suspects";
        this.defaultId = config.defaultBackend().map(OriginServer::id).orElse("");
        this.hlsSessions = new RedisHlsSessions(redis, guard, space, config, clock);
    }

    /**
     * Creates the jedis client for the configured mode and a balancer over it.
     *
     * @param clock stamps heartbeats (the registry's clock); expiry runs on the Redis server clock
     * @throws BalancerUnavailableException when Cluster or Sentinel mode reaches no seed node
     */
    public static RedisLoadBalancer connect(BalancerConfig config, RedisSettings settings, Clock clock) {
        int timeout = (int) settings.timeout().toMillis();
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeout)
                .socketTimeoutMillis(timeout)
                .database(settings.database())
                .clientName("originproxy");
        if (settings.tls()) {
            // Jedis uses TLS when SslOptions are set; defaults verify the server against the JVM trust store.
            client.sslOptions(SslOptions.defaults());
        }
        if (settings.user() != null) {
            client.user(settings.user());
        }
        if (settings.password() != null) {
            client.password(settings.password());
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        pool.setMinIdle(0);
        // A caller waiting for a pooled connection waits no longer than for the network itself.
        pool.setMaxWait(Duration.ofMillis(timeout));
        try {
            switch (settings.mode()) {
                case CLUSTER: {
                    Set<HostAndPort> nodes = hostsAndPorts(settings.clusterNodes());
                    RedisClusterClient c = RedisClusterClient.builder()
                            .nodes(nodes)
                            .clientConfig(client.build())
                            .poolConfig(pool)
                            // Bound redirections and retries by the same budget as a single call.
                            .maxTotalRetriesDuration(Duration.ofMillis(timeout))
                            .build();
                    return new RedisLoadBalancer(c, () -> c.getClusterNodes().values().forEach(ConnectionPool::clear),
                            config, settings, clock);
                }
                case SENTINEL: {
                    DefaultJedisClientConfig.Builder sentinelClient = DefaultJedisClientConfig.builder()
                            .connectionTimeoutMillis(timeout)
                            .socketTimeoutMillis(timeout);
                    if (settings.tls()) {
                        sentinelClient.sslOptions(SslOptions.defaults());
                    }
                    RedisSentinelClient c = RedisSentinelClient.builder()
                            .masterName(settings.sentinelMaster())
                            .sentinels(hostsAndPorts(settings.sentinels()))
                            .clientConfig(client.build())
                            .sentinelClientConfig(sentinelClient.build())
                            .poolConfig(pool)
                            .build();
                    return new RedisLoadBalancer(c, () -> c.getPrimaryNodesConnectionMap().values().forEach(p -> p.clear()),
                            config, settings, clock);
                }
                default: {
                    RedisClient c = RedisClient.builder()
                            .hostAndPort(settings.standalone().host(), settings.standalone().port())
                            .clientConfig(client.build())
                            .poolConfig(pool)
                            .build();
                    return new RedisLoadBalancer(c, () -> c.getPool().clear(), config, settings, clock);
                }
            }
        } catch (JedisException e) {
            throw new BalancerUnavailableException(settings.describe() + " unreachable: " + RedisGuard.reason(e), e);
        }
    }

    private static Set<HostAndPort> hostsAndPorts(List<RedisSettings.Node> nodes) {
        Set<HostAndPort> out = new LinkedHashSet<>();
        for (RedisSettings.Node n : nodes) {
            out.add(new HostAndPort(n.host(), n.port()));
        }
        return out;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public OriginRegistry registry() {
        return registry;
    }

    @Override
    public StreamPlacement placement() {
        return placement;
    }

    @Override
    public SessionStore sessions() {
        return sessions;
    }

    @Override
    public HlsSessionStore hlsSessions() {
        return hlsSessions;
    }

    @Override
    public void close() {
        redis.close();
    }

    /** The outage tracker (tests observe backoff and outage counts). */
    RedisGuard guard() {
        return guard;
    }

    private Object run(String op, LuaScript script, List<String> keys, List<String> args) {
        return guard.call(op, () -> script.run(redis, keys, args));
    }

    private static String ms(Duration d) {
        return Long.toString(Math.max(1, d.toMillis()));
    }

    private static String str(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof byte[]) {
            return new String((byte[]) o, StandardCharsets.UTF_8);
        }
        return o.toString();
    }

    private static List<?> asList(Object o) {
        return o instanceof List ? (List<?>) o : List.of();
    }

    private static OriginServer parseOrigin(String json) {
        try {
            return OriginJson.read(json);
        } catch (InvalidRegistrationException | IllegalArgumentException e) {
            // Not ours or corrupt: treat as absent rather than failing every caller.
            LOG.warn("ignoring unreadable origin record in Redis: {}", e.getMessage());
            return null;
        }
    }

    private static WebRtcSession parseSession(String json) {
        try {
            return WebRtcSession.fromJson(json);
        } catch (RuntimeException e) {
            LOG.warn("ignoring unreadable session record in Redis: {}", e.getMessage());
            return null;
        }
    }

    private final class Registry implements OriginRegistry {
        @Override
        public void register(OriginServer origin) {
            OriginServer stamped = origin.withHeartbeat(clock.instant());
            run("register", Scripts.REGISTER, List.of(space + "origin:" + origin.id(), originsIndex, suspectsIndex),
                    List.of(origin.id(), OriginJson.write(stamped), ms(config.originTtl())));
        }

        @Override
        public void suspect(String originId, String reason) {
            run("suspect", Scripts.SUSPECT, List.of(space + "origin:" + originId, suspectsIndex),
                    List.of(originId, ms(config.originTtl()), defaultId));
        }

        @Override
        public Set<String> suspects() {
            Set<String> out = new java.util.TreeSet<>();
            for (Object o : asList(run("suspects", Scripts.SUSPECTS, List.of(suspectsIndex), List.of()))) {
                out.add(str(o));
            }
            return out;
        }

        @Override
        public List<OriginServer> liveOrigins() {
            List<OriginServer> live = new ArrayList<>();
            for (Object o : asList(run("liveOrigins", Scripts.LIVE_ORIGINS, List.of(originsIndex, suspectsIndex),
                    List.of(space + "origin:")))) {
                OriginServer s = parseOrigin(str(o));
                if (s != null) {
                    live.add(s);
                }
            }
            if (live.isEmpty()) {
                config.defaultBackend().ifPresent(live::add);
            }
            live.sort(Comparator.comparing(OriginServer::id));
            return live;
        }

        @Override
        public Optional<OriginServer> find(String originId) {
            Optional<OriginServer> backend = config.defaultBackend().filter(b -> b.id().equals(originId));
            if (backend.isPresent()) {
                return backend;
            }
            String json = guard.call("find origin", () -> redis.get(space + "origin:" + originId));
            return json == null ? Optional.empty() : Optional.ofNullable(parseOrigin(json));
        }

        @Override
        public Duration originTtl() {
            return config.originTtl();
        }
    }

    private final class Placement implements StreamPlacement {
        @Override
        public OriginServer pick(StreamKey key) {
            return pick(key, Set.of());
        }

        @Override
        public OriginServer pick(StreamKey key, Set<OriginProtocol> protocols) {
            for (int attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
                // Fast path: one round trip keeps (and refreshes) a live placement.
                OriginServer placed = arbitrate(key, "");
                if (placed != null) {
                    return checked(key, placed, protocols);
                }
                List<OriginServer> live = registry.liveOrigins();
                if (live.isEmpty()) {
                    throw new NoOriginAvailableException("no live origin for stream " + key);
                }
                List<OriginServer> able = new ArrayList<>(live.size());
                for (OriginServer o : live) {
                    if (StreamPlacement.missingProtocols(o, protocols).isEmpty()) {
                        able.add(o);
                    }
                }
                if (able.isEmpty()) {
                    throw new NoOriginAvailableException("no live origin registered " + protocols + " for stream " + key);
                }
                // The script only arbitrates: whoever runs first places the stream, later racers
                // (other threads, other proxies) get that origin back instead of their candidate.
                placed = arbitrate(key, choose(key, able).id());
                if (placed != null) {
                    return checked(key, placed, protocols);
                }
                // The candidate expired between reading the live list and placing: read it again.
            }
            throw new NoOriginAvailableException("origins expired while placing stream " + key);
        }

        /** The placed origin, unless it lacks a protocol the client needs (sticky: no re-placement). */
        private OriginServer checked(StreamKey key, OriginServer placed, Set<OriginProtocol> protocols) {
            Set<OriginProtocol> missing = StreamPlacement.missingProtocols(placed, protocols);
            if (!missing.isEmpty()) {
                throw new NoOriginAvailableException("stream " + key + " is placed on origin " + placed.id()
                        + ", which registered no " + missing + " endpoint");
            }
            return placed;
        }

        @Override
        public void release(StreamKey key, String originId) {
            String stream = key.toString();
            run("release", Scripts.RELEASE, List.of(space + "stream:" + stream), List.of(space, stream, originId));
        }

        /** Runs the placement script; null when nothing is placed. */
        private OriginServer arbitrate(StreamKey key, String candidate) {
            String stream = key.toString();
            List<?> r = asList(run("pick", Scripts.PICK, List.of(space + "stream:" + stream),
                    List.of(space, stream, ms(config.placementTtl()), defaultId, candidate)));
            if (r.isEmpty()) {
                return null;
            }
            String id = str(r.get(0));
            if (!defaultId.isEmpty() && defaultId.equals(id)) {
                return config.defaultBackend().orElseThrow();
            }
            String json = r.size() > 1 ? str(r.get(1)) : null;
            return json == null ? null : parseOrigin(json);
        }

        private OriginServer choose(StreamKey key, List<OriginServer> live) {
            return config.strategy().choose(key.toString(), live, origins -> {
                List<String> args = new ArrayList<>(origins.size() + 1);
                args.add(space);
                for (OriginServer o : origins) {
                    args.add(o.id());
                }
                List<?> counts = asList(run("least-streams", Scripts.LOADS, List.of(originsIndex), args));
                long[] loads = new long[origins.size()];
                for (int i = 0; i < loads.length && i < counts.size(); i++) {
                    loads[i] = ((Number) counts.get(i)).longValue();
                }
                return loads;
            });
        }

        @Override
        public Map<String, String> placements() {
            List<String> args = new ArrayList<>();
            args.add(space);
            for (OriginServer o : registry.liveOrigins()) {
                args.add(o.id());
            }
            List<?> flat = asList(run("placements", Scripts.PLACEMENTS, List.of(originsIndex), args));
            Map<String, String> out = new LinkedHashMap<>();
            for (int i = 0; i + 1 < flat.size(); i += 2) {
                out.put(str(flat.get(i)), str(flat.get(i + 1)));
            }
            return out;
        }
    }

    private final class Sessions implements SessionStore {
        @Override
        public void store(WebRtcSession session) {
            run("store session", Scripts.SESSION_STORE,
                    List.of(space + "session:" + session.username(), space + "session-id:" + session.id(), sessionsIndex),
                    List.of(session.toJson(), session.username(), ms(config.sessionTtl())));
        }

        @Override
        public Optional<WebRtcSession> find(String username) {
            String json = guard.call("find session", () -> redis.get(space + "session:" + username));
            return json == null ? Optional.empty() : Optional.ofNullable(parseSession(json));
        }

        @Override
        public Optional<WebRtcSession> findById(String id) {
            String json = str(run("find session by id", Scripts.SESSION_BY_ID, List.of(space + "session-id:" + id),
                    List.of(space)));
            WebRtcSession s = json == null ? null : parseSession(json);
            // The username may since carry a newer session with another id.
            return s != null && s.id().equals(id) ? Optional.of(s) : Optional.empty();
        }

        @Override
        public boolean refresh(String username) {
            Object r = run("refresh session", Scripts.SESSION_REFRESH, List.of(space + "session:" + username, sessionsIndex),
                    List.of(space, username, ms(config.sessionTtl())));
            return r instanceof Number && ((Number) r).longValue() == 1;
        }

        @Override
        public boolean remove(String username) {
            String json = str(run("remove session", Scripts.SESSION_REMOVE, List.of(space + "session:" + username, sessionsIndex),
                    List.of(space, username)));
            if (json == null) {
                return false;
            }
            WebRtcSession s = parseSession(json);
            if (s != null) {
                for (Consumer<WebRtcSession> l : removalListeners) {
                    l.accept(s);
                }
            }
            return true;
        }

        @Override
        public List<WebRtcSession> list() {
            List<WebRtcSession> out = new ArrayList<>();
            for (Object o : asList(run("list sessions", Scripts.READ_INDEX, List.of(sessionsIndex), List.of(space + "session:")))) {
                WebRtcSession s = parseSession(str(o));
                if (s != null) {
                    out.add(s);
                }
            }
            return out;
        }

        @Override
        public void addRemovalListener(Consumer<WebRtcSession> listener) {
            removalListeners.add(Objects.requireNonNull(listener, "listener"));
        }
    }
}
