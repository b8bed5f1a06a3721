package dev.originproxy.lb.redis.internal;

/**
 * The Lua scripts of the Redis balancer. ARGV[1] of most scripts is the key space prefix
 * ({@code <prefix>{op}:}), from which a script derives the keys named by values it reads.
 *
 * <p>Times are the Redis server's ({@code TIME}), the same clock that runs {@code PX} expiry, so
 * index scores and key expiry agree even when proxies' clocks drift. Redis 5+ replicates script
 * effects, which allows writes after {@code TIME}.
 */
final class Scripts {
    private Scripts() {
    }

    static final String NOW =
            "local function now_ms()\n"
            + "  local t = redis.call('TIME')\n"
            + "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
            + "end\n"
            + "local function ms(x) return string.format('%d', x) end\n";

    /**
     * Registers or heartbeats an origin. KEYS: origin key, origins index, suspects index. ARGV: id,
     * JSON, TTL ms. The index is a sorted set scored by expiry; ZADD replaces the score, so
     * concurrent heartbeats need no read-modify-write. A heartbeat clears suspicion.
     */
    static final LuaScript REGISTER = new LuaScript("register", NOW
            + "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
            + "redis.call('ZADD', KEYS[2], ms(now_ms() + tonumber(ARGV[3])), ARGV[1])\n"
            + "redis.call('ZREM', KEYS[3], ARGV[1])\n"
            + "return 1\n");

    /**
     * Marks a registered origin (or the default backend) suspect until its next heartbeat or the
     * TTL. KEYS: origin key, suspects index. ARGV: id, TTL ms, default backend id (or '').
     * Returns 1 when marked, 0 for an unknown origin (nothing grows for ids nobody registered).
     */
    static final LuaScript SUSPECT = new LuaScript("suspect", NOW
            + "if ARGV[1] ~= ARGV[3] and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
            + "redis.call('ZADD', KEYS[2], ms(now_ms() + tonumber(ARGV[2])), ARGV[1])\n"
            + "return 1\n");

    /** The suspect origin ids. KEYS: suspects index. Prunes lapsed suspicion first. */
    static final LuaScript SUSPECTS = new LuaScript("suspects", NOW
            + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now_ms()))\n"
            + "return redis.call('ZRANGE', KEYS[1], 0, -1)\n");

    /**
     * The live, unsuspected origins' JSON. KEYS: origins index, suspects index. ARGV: the key
     * prefix of origin records. Prunes expired members of both indexes.
     */
    static final LuaScript LIVE_ORIGINS = new LuaScript("live-origins", NOW
            + "local now = now_ms()\n"
            + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now))\n"
            + "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ms(now))\n"
            + "local out = {}\n"
            + "for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do\n"
            + "  if not redis.call('ZSCORE', KEYS[2], m) then\n"
            + "    local v = redis.call('GET', ARGV[1] .. m)\n"
            + "    if v then out[#out + 1] = v else redis.call('ZREM', KEYS[1], m) end\n"
            + "  end\n"
            + "end\n"
            + "return out\n");

    /**
     * Forgets a stream's placement if it is still on the given origin. KEYS: the stream key.
     * ARGV: key space prefix, canonical stream key, origin id. Returns 1 when released.
     */
    static final LuaScript RELEASE = new LuaScript("release",
            "if redis.call('GET', KEYS[1]) ~= ARGV[3] then return 0 end\n"
            + "redis.call('DEL', KEYS[1])\n"
            + "redis.call('ZREM', ARGV[1] .. 'origin-streams:' .. ARGV[3], ARGV[2])\n"
            + "return 1\n");

    /**
     * Reads the live members of an index: prunes members whose score (expiry) passed, then returns
     * the value of each member's key, dropping members whose key is gone (deleted or expired a
     * little early). KEYS: the index. ARGV: the key prefix of members.
     */
    static final LuaScript READ_INDEX = new LuaScript("read-index", NOW
            + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now_ms()))\n"
            + "local out = {}\n"
            + "for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do\n"
            + "  local v = redis.call('GET', ARGV[1] .. m)\n"
            + "  if v then out[#out + 1] = v else redis.call('ZREM', KEYS[1], m) end\n"
            + "end\n"
            + "return out\n");

    /**
     * The placement arbiter. KEYS: the stream key. ARGV: key space prefix, canonical stream key,
     * placement TTL ms, default backend id (or ''), candidate origin id (or '').
     *
     * <p>If the stream is placed on a live origin (its origin key exists, or it is the default
     * backend) that is not suspect, keeps it and refreshes the TTL. Otherwise, with a candidate whose origin key still
     * exists, places the stream on it. Returns {origin id, origin JSON or nil}, or an empty array
     * when nothing is placed (no candidate given, or the candidate expired meanwhile). Every pick
     * also records the stream in the origin's load set (scored by expiry) for least-streams.
     */
    static final LuaScript PICK = new LuaScript("pick", NOW
            + "local p, stream, ttl, def, cand = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]\n"
            + "local function track(origin)\n"
            + "  local load = p .. 'origin-streams:' .. origin\n"
            + "  redis.call('ZADD', load, ms(now_ms() + tonumber(ttl)), stream)\n"
            + "  redis.call('PEXPIRE', load, ttl)\n"
            + "end\n"
            + "local function suspect(origin)\n"
            + "  local until_ms = redis.call('ZSCORE', p .. 'suspects', origin)\n"
            + "  return until_ms and tonumber(until_ms) > now_ms()\n"
            + "end\n"
            + "local cur = redis.call('GET', KEYS[1])\n"
            + "if cur then\n"
            + "  local json = false\n"
            + "  if cur ~= def then json = redis.call('GET', p .. 'origin:' .. cur) end\n"
            + "  if (cur == def or json) and not suspect(cur) then\n"
            + "    redis.call('PEXPIRE', KEYS[1], ttl)\n"
            + "    track(cur)\n"
            + "    return {cur, json}\n"
            + "  end\n"
            + "end\n"
            + "if cand == '' or suspect(cand) then return {} end\n"
            + "local json = false\n"
            + "if cand ~= def then\n"
            + "  json = redis.call('GET', p .. 'origin:' .. cand)\n"
            + "  if not json then return {} end\n"
            + "end\n"
            + "if cur then redis.call('ZREM', p .. 'origin-streams:' .. cur, stream) end\n"
            + "redis.call('SET', KEYS[1], cand, 'PX', ttl)\n"
            + "track(cand)\n"
            + "return {cand, json}\n");

    /**
     * Counts live placements per origin. KEYS: the origins index (routing only). ARGV: key space
     * prefix, then origin ids. Returns one count per id.
     */
    static final LuaScript LOADS = new LuaScript("loads", NOW
            + "local now = ms(now_ms())\n"
            + "local out = {}\n"
            + "for i = 2, #ARGV do\n"
            + "  local load = ARGV[1] .. 'origin-streams:' .. ARGV[i]\n"
            + "  redis.call('ZREMRANGEBYSCORE', load, '-inf', now)\n"
            + "  out[#out + 1] = redis.call('ZCARD', load)\n"
            + "end\n"
            + "return out\n");

    /**
     * Lists placements of the given origins, checked against the stream keys (a set member whose
     * stream moved or expired is skipped). KEYS: the origins index (routing only). ARGV: key space
     * prefix, then origin ids. Returns a flat list stream, origin, stream, origin...
     */
    static final LuaScript PLACEMENTS = new LuaScript("placements", NOW
            + "local now = ms(now_ms())\n"
            + "local out = {}\n"
            + "for i = 2, #ARGV do\n"
            + "  local load = ARGV[1] .. 'origin-streams:' .. ARGV[i]\n"
            + "  redis.call('ZREMRANGEBYSCORE', load, '-inf', now)\n"
            + "  for _, s in ipairs(redis.call('ZRANGE', load, 0, -1)) do\n"
            + "    if redis.call('GET', ARGV[1] .. 'stream:' .. s) == ARGV[i] then\n"
            + "      out[#out + 1] = s\n"
            + "      out[#out + 1] = ARGV[i]\n"
            + "    end\n"
            + "  end\n"
            + "end\n"
            + "return out\n");

    /**
     * Stores a session. KEYS: session key, session-id key, sessions index. ARGV: JSON, username,
     * TTL ms.
     */
    static final LuaScript SESSION_STORE = new LuaScript("session-store", NOW
            + "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])\n"
            + "redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])\n"
            + "redis.call('ZADD', KEYS[3], ms(now_ms() + tonumber(ARGV[3])), ARGV[2])\n"
            + "return 1\n");

    /** A session by id. KEYS: session-id key. ARGV: key space prefix. Returns the JSON or nil. */
    static final LuaScript SESSION_BY_ID = new LuaScript("session-by-id",
            "local u = redis.call('GET', KEYS[1])\n"
            + "if not u then return false end\n"
            + "return redis.call('GET', ARGV[1] .. 'session:' .. u)\n");

    private static final String ID_KEY_OF =
            "local function id_key(json)\n"
            + "  local ok, s = pcall(cjson.decode, json)\n"
            + "  if ok and type(s) == 'table' and type(s.id) == 'string' then\n"
            + "    return ARGV[1] .. 'session-id:' .. s.id\n"
            + "  end\n"
            + "  return nil\n"
            + "end\n";

    /**
     * Extends a live session's TTL, with its id key (when that still names this username) and index
     * entry. KEYS: session key, sessions index. ARGV: key space prefix, username, TTL ms. Returns 1
     * or 0 when the session is gone.
     */
    static final LuaScript SESSION_REFRESH = new LuaScript("session-refresh", NOW + ID_KEY_OF
            + "local v = redis.call('GET', KEYS[1])\n"
            + "if not v then return 0 end\n"
            + "redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
            + "local k = id_key(v)\n"
            + "if k and redis.call('GET', k) == ARGV[2] then redis.call('PEXPIRE', k, ARGV[3]) end\n"
            + "redis.call('ZADD', KEYS[2], ms(now_ms() + tonumber(ARGV[3])), ARGV[2])\n"
            + "return 1\n");

    /**
     * Removes a session, its id key (when that still names this username) and index entry, in one
     * step so exactly one of concurrent removers gets the JSON back. KEYS: session key, sessions
     * index. ARGV: key space prefix, username. Returns the removed JSON or nil.
     */
    static final LuaScript SESSION_REMOVE = new LuaScript("session-remove", ID_KEY_OF
            + "local v = redis.call('GET', KEYS[1])\n"
            + "redis.call('ZREM', KEYS[2], ARGV[2])\n"
            + "if not v then return false end\n"
            + "redis.call('DEL', KEYS[1])\n"
            + "local k = id_key(v)\n"
            + "if k and redis.call('GET', k) == ARGV[2] then redis.call('DEL', k) end\n"
            + "return v\n");
}
