package dev.originproxy.lb.redis.internal;

/**
 * The Lua scripts of the Redis HLS session store. Keys: {@code P hls:<id>} (session JSON, PX
 * TTL) and {@code P hls-sessions} (ids scored by expiry, server ms), where P is the balancer's
 * key space. Times are the server's, as in {@link Scripts}.
 */
final class HlsScripts {
    private HlsScripts() {
    }

    private static final String PRUNE = "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ms(now_ms()))\n";

    /**
     * Creates a session unless the fleet is at its bound. KEYS: session key, index. ARGV: JSON,
     * id, TTL ms, max sessions. Returns 1 when stored, 0 at the bound, -1 when the id exists (a
     * 128-bit collision: the caller draws another).
     */
    static final LuaScript CREATE = new LuaScript("hls-create", Scripts.NOW + PRUNE
            + "if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 0 end\n"
            + "if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3]) then return -1 end\n"
            + "redis.call('ZADD', KEYS[2], ms(now_ms() + tonumber(ARGV[3])), ARGV[2])\n"
            + "return 1\n");

    /**
     * Resolves a session and extends its TTL in one round trip. KEYS: session key, index. ARGV:
     * id, TTL ms. Returns the JSON or nil.
     */
    static final LuaScript TOUCH = new LuaScript("hls-touch", Scripts.NOW
            + "local v = redis.call('GET', KEYS[1])\n"
            + "if not v then return false end\n"
            + "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
            + "redis.call('ZADD', KEYS[2], ms(now_ms() + tonumber(ARGV[2])), ARGV[1])\n"
            + "return v\n");

    /** Counts live sessions. KEYS: the index. Returns the count. */
    static final LuaScript COUNT = new LuaScript("hls-count", Scripts.NOW
            + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now_ms()))\n"
            + "return redis.call('ZCARD', KEYS[1])\n");
}
