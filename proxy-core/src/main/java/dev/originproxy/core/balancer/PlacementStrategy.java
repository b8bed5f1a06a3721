package dev.originproxy.core.balancer;

import dev.originproxy.core.origin.OriginServer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** How a new stream picks among live origins. */
public enum PlacementStrategy {
    /** Uniformly at random. */
    RANDOM,
    /** The origin with the fewest placed streams (ties broken by id). */
    LEAST_STREAMS,
    /**
     * Rendezvous (highest-random-weight) hashing of stream key and origin id: every proxy picks
     * the same origin for a stream without shared state, and only streams of a departed origin
     * move when the fleet changes.
     */
    HASH;

    /** Parses {@code random}, {@code least-streams} or {@code hash}. */
    public static PlacementStrategy parse(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "random": return RANDOM;
            case "least-streams": case "least_streams": return LEAST_STREAMS;
            case "hash": case "rendezvous": return HASH;
            default:
                throw new IllegalArgumentException("placement.strategy: unknown strategy '" + text
                        + "'; known: random, least-streams, hash");
        }
    }

    /**
     * The {@link #HASH} pick: the live origin with the highest 64-bit hash of (stream, origin id),
     * ties to the smallest id. Every balancer implementation uses this one function, so proxies on
     * different balancers pick alike.
     *
     * @param live non-empty
     */
    public static OriginServer rendezvous(String stream, List<OriginServer> live) {
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

    /** FNV-1a 64 over stream, a separator and origin id, finished with splitmix64 for avalanche. */
    private static long score(String stream, String originId) {
        long h = 0xcbf29ce484222325L;
        for (byte x : stream.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ 0xff) * 0x100000001b3L;
        for (byte x : originId.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
