package dev.originproxy.core.balancer;

import dev.originproxy.core.origin.OriginServer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
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
     * Picks the origin of a new stream by this strategy: the one choice every balancer makes the
     * same way (memory, Redis, plugins).
     *
     * @param stream the canonical stream key
     * @param live non-empty, sorted by id (ties of least-streams go to the smallest id)
     * @param loads for {@link #LEAST_STREAMS} only: the number of streams placed on each origin of
     *     {@code live}, in that order (called at most once)
     */
    public OriginServer choose(String stream, List<OriginServer> live, Function<List<OriginServer>, long[]> loads) {
        switch (this) {
            case HASH:
                return rendezvous(stream, live);
            case LEAST_STREAMS: {
                long[] counts = loads.apply(live);
                OriginServer best = live.get(0);
                long bestCount = Long.MAX_VALUE;
                for (int i = 0; i < live.size(); i++) {
                    long n = i < counts.length ? counts[i] : 0;
                    if (n < bestCount) {
                        best = live.get(i);
                        bestCount = n;
                    }
                }
                return best;
            }
            case RANDOM:
            default:
                return live.get(ThreadLocalRandom.current().nextInt(live.size()));
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
