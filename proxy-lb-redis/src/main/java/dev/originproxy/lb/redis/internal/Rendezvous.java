package dev.originproxy.lb.redis.internal;

import dev.originproxy.core.origin.OriginServer;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Rendezvous (highest-random-weight) hashing of stream key and origin id, bit for bit the
 * function of the core's in-memory balancer (FNV-1a 64 with a splitmix64 finish, ties to the
 * smallest id), so a proxy on the {@code redis} balancer and one on {@code memory} pick alike.
 * Core keeps its copy package-private, hence this one.
 *
 * <p>Stateless and thread-safe.
 */
final class Rendezvous {
    private Rendezvous() {
    }

    static OriginServer pick(String stream, List<OriginServer> live) {
        OriginServer best = null;
        long bestScore = Long.MIN_VALUE;
        for (OriginServer o : live) {
            long score = score(stream, o.id());
            if (best == null || score > bestScore || (score == bestScore && o.id().compareTo(best.id()) < 0)) {
                best = o;
                bestScore = score;
            }
        }
        return best;
    }

    static long score(String a, String b) {
        long h = 0xcbf29ce484222325L;
        for (byte x : a.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ 0xff) * 0x100000001b3L;
        for (byte x : b.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
