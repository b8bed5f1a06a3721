package dev.originproxy.core.balancer;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The in-memory {@link OriginLoadBalancer} (provider name {@code memory}, the default): origins,
 * placements, WebRTC and HLS sessions live in this process. Right for a single proxy; a fleet shares state
 * through the {@code redis} balancer instead.
 *
 * <p>Thread-safe: placement of one stream is atomic ({@link ConcurrentHashMap#compute}), so
 * concurrent first picks agree. Expiry is lazy, evaluated against the injected {@link Clock}
 * whenever state is read.
 */
public final class MemoryLoadBalancer implements OriginLoadBalancer {
    private final Clock clock;
    private final BalancerConfig config;
    private final ConcurrentHashMap<String, OriginServer> origins = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<StreamKey, Placement> placements = new ConcurrentHashMap<>();
    /** Suspect origin ids and when their suspicion lapses. */
    private final ConcurrentHashMap<String, Instant> suspects = new ConcurrentHashMap<>();
    /** When expired placements were last swept out (epoch ms), so sweeps are rare and single. */
    private final java.util.concurrent.atomic.AtomicLong lastSweepMillis = new java.util.concurrent.atomic.AtomicLong();
    private final ConcurrentHashMap<String, Entry> sessionsByUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> usernameById = new ConcurrentHashMap<>();
    private final List<Consumer<WebRtcSession>> removalListeners = new CopyOnWriteArrayList<>();

    private final Registry registry = new Registry();
    private final PlacementRole placement = new PlacementRole();
    private final Sessions sessions = new Sessions();
    private final MemoryHlsSessionStore hlsSessions;

    /**
     * @param config the common settings
     * @param clock the time source of heartbeats and expiry (tests pass a fake clock)
     */
    public MemoryLoadBalancer(BalancerConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.hlsSessions = new MemoryHlsSessionStore(config, clock);
    }

    /** A balancer with default settings and the system clock. */
    public MemoryLoadBalancer() {
        this(BalancerConfig.from(Map.of()), Clock.systemUTC());
    }

    @Override
    public String name() {
        return "memory";
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

    private boolean alive(OriginServer o, Instant now) {
        return now.isBefore(o.lastHeartbeat().plus(config.originTtl()));
    }

    private boolean isSuspect(String originId, Instant now) {
        Instant until = suspects.get(originId);
        if (until == null) {
            return false;
        }
        if (now.isBefore(until)) {
            return true;
        }
        suspects.remove(originId, until);
        return false;
    }

    /** Placements that were not used within the TTL leave the map (a sweep at most every TTL/8). */
    private void sweepExpiredPlacements(Instant now) {
        long last = lastSweepMillis.get();
        long interval = Math.max(1, config.placementTtl().toMillis() / 8);
        if (now.toEpochMilli() - last < interval || !lastSweepMillis.compareAndSet(last, now.toEpochMilli())) {
            return;
        }
        placements.values().removeIf(p -> !now.isBefore(p.lastUsed.plus(config.placementTtl())));
    }

    /** Placements held now, expired ones not yet swept included (for tests and views). */
    int placementCount() {
        return placements.size();
    }

    private static final class Placement {
        final String originId;
        final Instant lastUsed;

        Placement(String originId, Instant lastUsed) {
            this.originId = originId;
            this.lastUsed = lastUsed;
        }
    }

    private static final class Entry {
        final WebRtcSession session;
        final Instant expiresAt;

        Entry(WebRtcSession session, Instant expiresAt) {
            this.session = session;
            this.expiresAt = expiresAt;
        }
    }

    private final class Registry implements OriginRegistry {
        @Override
        public void register(OriginServer origin) {
            origins.put(origin.id(), origin.withHeartbeat(clock.instant()));
            suspects.remove(origin.id()); // a heartbeat clears suspicion
        }

        @Override
        public void suspect(String originId, String reason) {
            if (origins.containsKey(originId) || config.defaultBackend().filter(b -> b.id().equals(originId)).isPresent()) {
                suspects.put(originId, clock.instant().plus(config.originTtl()));
            }
        }

        @Override
        public java.util.Set<String> suspects() {
            Instant now = clock.instant();
            java.util.Set<String> out = new java.util.TreeSet<>();
            for (String id : suspects.keySet()) {
                if (isSuspect(id, now)) {
                    out.add(id);
                }
            }
            return out;
        }

        @Override
        public List<OriginServer> liveOrigins() {
            Instant now = clock.instant();
            List<OriginServer> live = new ArrayList<>();
            for (OriginServer o : origins.values()) {
                if (!alive(o, now)) {
                    origins.remove(o.id(), o);
                    suspects.remove(o.id());
                } else if (!isSuspect(o.id(), now)) {
                    live.add(o);
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
            OriginServer o = origins.get(originId);
            if (o != null && alive(o, clock.instant())) {
                return Optional.of(o);
            }
            return config.defaultBackend().filter(b -> b.id().equals(originId));
        }

        @Override
        public Duration originTtl() {
            return config.originTtl();
        }
    }

    private final class PlacementRole implements StreamPlacement {
        @Override
        public OriginServer pick(StreamKey key) {
            return pick(key, java.util.Set.of());
        }

        @Override
        public OriginServer pick(StreamKey key, java.util.Set<OriginProtocol> protocols) {
            Instant now = clock.instant();
            sweepExpiredPlacements(now);
            OriginServer[] chosen = new OriginServer[1];
            String[] error = new String[1];
            placements.compute(key, (k, current) -> {
                if (current != null && now.isBefore(current.lastUsed.plus(config.placementTtl()))
                        && !isSuspect(current.originId, now)) {
                    Optional<OriginServer> o = registry.find(current.originId);
                    if (o.isPresent()) {
                        java.util.Set<OriginProtocol> missing = StreamPlacement.missingProtocols(o.get(), protocols);
                        if (!missing.isEmpty()) {
                            // sticky: the stream's clients meet on this origin, which cannot serve this one
                            error[0] = "stream " + k + " is placed on origin " + o.get().id()
                                    + ", which registered no " + missing + " endpoint";
                            return current;
                        }
                        chosen[0] = o.get();
                        return new Placement(current.originId, now);
                    }
                }
                List<OriginServer> live = registry.liveOrigins();
                List<OriginServer> able = new ArrayList<>(live.size());
                for (OriginServer o : live) {
                    if (StreamPlacement.missingProtocols(o, protocols).isEmpty()) {
                        able.add(o);
                    }
                }
                if (able.isEmpty()) {
                    error[0] = live.isEmpty() ? "no live origin for stream " + k
                            : "no live origin registered " + protocols + " for stream " + k;
                    return current != null && now.isBefore(current.lastUsed.plus(config.placementTtl()))
                            && !isSuspect(current.originId, now) ? current : null;
                }
                chosen[0] = choose(k, able);
                return new Placement(chosen[0].id(), now);
            });
            if (chosen[0] == null) {
                throw new NoOriginAvailableException(error[0] == null ? "no live origin for stream " + key : error[0]);
            }
            return chosen[0];
        }

        @Override
        public void release(StreamKey key, String originId) {
            placements.computeIfPresent(key, (k, p) -> p.originId.equals(originId) ? null : p);
        }

        private OriginServer choose(StreamKey key, List<OriginServer> live) {
            return config.strategy().choose(key.toString(), live, origins -> {
                Map<String, Integer> counts = new HashMap<>();
                Instant now = clock.instant();
                for (Placement p : placements.values()) {
                    if (now.isBefore(p.lastUsed.plus(config.placementTtl()))) {
                        counts.merge(p.originId, 1, Integer::sum);
                    }
                }
                long[] loads = new long[origins.size()];
                for (int i = 0; i < loads.length; i++) {
                    loads[i] = counts.getOrDefault(origins.get(i).id(), 0);
                }
                return loads;
            });
        }

        @Override
        public Map<String, String> placements() {
            Instant now = clock.instant();
            Map<String, String> out = new LinkedHashMap<>();
            placements.forEach((k, p) -> {
                if (now.isBefore(p.lastUsed.plus(config.placementTtl())) && registry.find(p.originId).isPresent()) {
                    out.put(k.toString(), p.originId);
                }
            });
            return out;
        }
    }

    private final class Sessions implements SessionStore {
        @Override
        public void store(WebRtcSession session) {
            Instant expires = clock.instant().plus(config.sessionTtl());
            sessionsByUser.put(session.username(), new Entry(session, expires));
            usernameById.put(session.id(), session.username());
        }

        private Entry live(String username) {
            Entry e = sessionsByUser.get(username);
            if (e == null) {
                return null;
            }
            if (!clock.instant().isBefore(e.expiresAt)) {
                if (sessionsByUser.remove(username, e)) {
                    usernameById.remove(e.session.id(), username);
                }
                return null;
            }
            return e;
        }

        @Override
        public Optional<WebRtcSession> find(String username) {
            Entry e = live(username);
            return e == null ? Optional.empty() : Optional.of(e.session);
        }

        @Override
        public Optional<WebRtcSession> findById(String id) {
            String user = usernameById.get(id);
            return user == null ? Optional.empty() : find(user);
        }

        @Override
        public boolean refresh(String username) {
            Instant expires = clock.instant().plus(config.sessionTtl());
            Entry e = live(username);
            if (e == null) {
                return false;
            }
            return sessionsByUser.replace(username, e, new Entry(e.session, expires));
        }

        @Override
        public boolean remove(String username) {
            Entry e = sessionsByUser.remove(username);
            if (e == null) {
                return false;
            }
            usernameById.remove(e.session.id(), username);
            if (!clock.instant().isBefore(e.expiresAt)) {
                return false; // it had already expired: nothing live was removed
            }
            for (Consumer<WebRtcSession> l : removalListeners) {
                l.accept(e.session);
            }
            return true;
        }

        @Override
        public List<WebRtcSession> list() {
            List<WebRtcSession> out = new ArrayList<>();
            for (String user : sessionsByUser.keySet()) {
                Entry e = live(user);
                if (e != null) {
                    out.add(e.session);
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
