package dev.originproxy.core.balancer;

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
}
