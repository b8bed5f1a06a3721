package dev.originproxy.lb.redis.internal;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.HlsSession;
import dev.originproxy.core.balancer.HlsSessionIds;
import dev.originproxy.core.balancer.HlsSessionLimitException;
import dev.originproxy.core.balancer.HlsSessionStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.UnifiedJedis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Redis {@link HlsSessionStore}: one session key per id with the TTL on the key, and an
 * index sorted by expiry that bounds the fleet's sessions ({@link HlsScripts}). Every proxy
 * sharing the key prefix resolves every other proxy's ids.
 *
 * <p>Thread-safe; every call is one script round trip through the balancer's {@link RedisGuard}.
 */
final class RedisHlsSessions implements HlsSessionStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisHlsSessions.class);
    private static final int CREATE_ATTEMPTS = 3;

    private final UnifiedJedis redis;
    private final RedisGuard guard;
    private final String prefix;
    private final String index;
    private final String ttlMs;
    private final String max;
    private final Clock clock;
    private final HlsSessionIds ids = new HlsSessionIds();

    /** @param space the balancer's key space ({@code <prefix>{op}:}) */
    RedisHlsSessions(UnifiedJedis redis, RedisGuard guard, String space, BalancerConfig config, Clock clock) {
        this.redis = redis;
        this.guard = guard;
        this.prefix = space + "hls:";
        this.index = space + "hls-sessions";
        this.ttlMs = Long.toString(Math.max(1, config.hlsSessionTtl().toMillis()));
        this.max = Integer.toString(config.hlsSessionsMax());
        this.clock = clock;
    }

    private Object run(String op, LuaScript script, List<String> keys, List<String> args) {
        return guard.call(op, () -> script.run(redis, keys, args));
    }

    @Override
    public HlsSession create(StreamKey streamKey, String originId) {
        for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
            HlsSession s = new HlsSession(ids.next(), streamKey, originId, clock.instant());
            Object r = run("create HLS session", HlsScripts.CREATE, List.of(prefix + s.id(), index),
                    List.of(s.toJson(), s.id(), ttlMs, max));
            long code = r instanceof Number ? ((Number) r).longValue() : 0;
            if (code == 1) {
                return s;
            }
            if (code == 0) {
                throw new HlsSessionLimitException("HLS session limit reached (hls.sessions.max=" + max + ")");
            }
        }
        throw new IllegalStateException("could not draw an unused HLS session id");
    }

    @Override
    public Optional<HlsSession> touch(String id) {
        if (!HlsSessionIds.isWellFormed(id)) {
            return Optional.empty();
        }
        Object r = run("touch HLS session", HlsScripts.TOUCH, List.of(prefix + id, index), List.of(id, ttlMs));
        return r == null ? Optional.empty() : Optional.ofNullable(parse(str(r)));
    }

    @Override
    public List<HlsSession> list() {
        List<HlsSession> out = new ArrayList<>();
        Object r = run("list HLS sessions", Scripts.READ_INDEX, List.of(index), List.of(prefix));
        if (r instanceof List) {
            for (Object o : (List<?>) r) {
                HlsSession s = parse(str(o));
                if (s != null) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    @Override
    public long count() {
        Object r = run("count HLS sessions", HlsScripts.COUNT, List.of(index), List.of());
        return r instanceof Number ? ((Number) r).longValue() : 0;
    }

    private static String str(Object o) {
        return o instanceof byte[] ? new String((byte[]) o, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static HlsSession parse(String json) {
        try {
            return HlsSession.fromJson(json);
        } catch (RuntimeException e) {
            LOG.warn("ignoring unreadable HLS session record in Redis: {}", e.getMessage());
            return null;
        }
    }
}
