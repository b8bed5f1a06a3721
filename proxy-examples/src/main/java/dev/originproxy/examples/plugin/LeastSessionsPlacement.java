package dev.originproxy.examples.plugin;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.OriginRegistry;
import dev.originproxy.core.balancer.SessionStore;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.origin.OriginServer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sticky placement on the origin with the fewest WebRTC sessions in the session store; ties go to
 * the origin with fewer placed streams, then to the lower id (so the choice is deterministic).
 * A stream stays on its origin while that origin lives and the placement is used within the
 * placement TTL, as {@link StreamPlacement} requires.
 *
 * <p>Thread-safe: the first pick of a stream is atomic ({@link ConcurrentHashMap#compute}), so
 * concurrent publishers and players of one stream agree.
 */
final class LeastSessionsPlacement implements StreamPlacement {
    private final OriginRegistry registry;
    private final SessionStore sessions;
    private final Duration placementTtl;
    private final Clock clock;
    private final ConcurrentHashMap<StreamKey, Placed> placements = new ConcurrentHashMap<>();

    private record Placed(String originId, Instant lastUsed) {
    }

    LeastSessionsPlacement(OriginRegistry registry, SessionStore sessions, Duration placementTtl, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.placementTtl = Objects.requireNonNull(placementTtl, "placementTtl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public OriginServer pick(StreamKey key) {
        Instant now = clock.instant();
        OriginServer[] chosen = new OriginServer[1];
        placements.compute(key, (k, current) -> {
            if (current != null && now.isBefore(current.lastUsed().plus(placementTtl))) {
                var origin = registry.find(current.originId());
                if (origin.isPresent()) {
                    chosen[0] = origin.get();
                    return new Placed(current.originId(), now);
                }
            }
            List<OriginServer> live = registry.liveOrigins();
            if (live.isEmpty()) {
                return null;
            }
            chosen[0] = leastLoaded(live, now);
            return new Placed(chosen[0].id(), now);
        });
        if (chosen[0] == null) {
            throw new NoOriginAvailableException("no live origin for stream " + key);
        }
        return chosen[0];
    }

    private OriginServer leastLoaded(List<OriginServer> live, Instant now) {
        Map<String, Integer> rtc = new HashMap<>();
        for (WebRtcSession s : sessions.list()) {
            rtc.merge(s.originId(), 1, Integer::sum);
        }
        Map<String, Integer> streams = new HashMap<>();
        placements.forEach((k, p) -> {
            if (now.isBefore(p.lastUsed().plus(placementTtl))) {
                streams.merge(p.originId(), 1, Integer::sum);
            }
        });
        OriginServer best = null;
        for (OriginServer o : live) {
            if (best == null || compare(o, best, rtc, streams) < 0) {
                best = o;
            }
        }
        return best;
    }

    private static int compare(OriginServer a, OriginServer b, Map<String, Integer> rtc, Map<String, Integer> streams) {
        int c = Integer.compare(rtc.getOrDefault(a.id(), 0), rtc.getOrDefault(b.id(), 0));
        if (c == 0) {
            c = Integer.compare(streams.getOrDefault(a.id(), 0), streams.getOrDefault(b.id(), 0));
        }
        return c != 0 ? c : a.id().compareTo(b.id());
    }

    @Override
    public Map<String, String> placements() {
        Instant now = clock.instant();
        Map<String, String> out = new LinkedHashMap<>();
        placements.forEach((k, p) -> {
            if (now.isBefore(p.lastUsed().plus(placementTtl))) {
                if (registry.find(p.originId()).isPresent()) {
                    out.put(k.toString(), p.originId());
                }
            } else {
                // forget stale placements so the map does not grow with every stream ever seen
                placements.remove(k, p);
            }
        });
        return out;
    }
}
