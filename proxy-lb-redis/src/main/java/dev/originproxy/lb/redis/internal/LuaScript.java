package dev.originproxy.lb.redis.internal;

import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * One server-side Lua script, run by SHA with {@code EVALSHA} and sent in full only when a server
 * does not know it yet ({@code NOSCRIPT}: a restarted server, a new cluster master), so steady
 * state sends a 40-byte digest instead of the script text.
 *
 * <p>Every script of this module takes at least one key, so Redis Cluster routes it to the node
 * owning the {@code {op}} slot. Some scripts also touch keys derived from values (an origin key
 * named by a placement); Redis allows that for keys of the slot the script already runs on, which
 * the single hash tag guarantees.
 *
 * <p>Immutable and thread-safe.
 */
final class LuaScript {
    private final String name;
    private final String text;
    private final String sha;

    LuaScript(String name, String text) {
        this.name = name;
        this.text = text;
        this.sha = sha1Hex(text);
    }

    Object run(UnifiedJedis redis, List<String> keys, List<String> args) {
        try {
            return redis.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
            return redis.eval(text, keys, args);
        }
    }

    String name() {
        return name;
    }

    private static String sha1Hex(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder(40);
            for (byte x : d) {
                b.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
            }
            return b.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
    }
}
