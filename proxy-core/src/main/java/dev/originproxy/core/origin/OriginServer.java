package dev.originproxy.core.origin;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One origin server of the fleet: its id ({@code server-service-pid} as SRS derives it), device
 * id, IP, the endpoints it announced per protocol, and the time of its last heartbeat.
 *
 * <p>Immutable and thread-safe; a heartbeat replaces the instance with {@link #withHeartbeat}.
 */
public final class OriginServer {
    private final String id;
    private final String deviceId;
    private final String ip;
    private final Map<OriginProtocol, List<OriginEndpoint>> endpoints;
    private final Instant lastHeartbeat;

    /**
     * @param id unique id of the origin process
     * @param deviceId the operator's name for the machine, may be null
     * @param ip the origin's IP (literal) as it announced it
     * @param endpoints endpoints per protocol; missing protocols have none
     * @param lastHeartbeat when it was last heard from
     */
    public OriginServer(String id, String deviceId, String ip,
                        Map<OriginProtocol, List<OriginEndpoint>> endpoints, Instant lastHeartbeat) {
        this.id = requireText(id, "id");
        this.deviceId = deviceId == null || deviceId.isEmpty() ? null : deviceId;
        this.ip = requireText(ip, "ip");
        EnumMap<OriginProtocol, List<OriginEndpoint>> copy = new EnumMap<>(OriginProtocol.class);
        for (Map.Entry<OriginProtocol, List<OriginEndpoint>> e : endpoints.entrySet()) {
            if (!e.getValue().isEmpty()) {
                copy.put(e.getKey(), List.copyOf(e.getValue()));
            }
        }
        this.endpoints = Collections.unmodifiableMap(copy);
        this.lastHeartbeat = Objects.requireNonNull(lastHeartbeat, "lastHeartbeat");
    }

    private static String requireText(String s, String what) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("origin " + what + " is empty");
        }
        return s;
    }

    /** The origin's unique id. */
    public String id() {
        return id;
    }

    /** The device id, or null. */
    public String deviceId() {
        return deviceId;
    }

    /** The origin's IP. */
    public String ip() {
        return ip;
    }

    /** Every announced endpoint, per protocol (unmodifiable). */
    public Map<OriginProtocol, List<OriginEndpoint>> endpoints() {
        return endpoints;
    }

    /** The endpoints of one protocol, empty when it announced none. */
    public List<OriginEndpoint> endpoints(OriginProtocol protocol) {
        return endpoints.getOrDefault(protocol, List.of());
    }

    /** When the origin was last heard from. */
    public Instant lastHeartbeat() {
        return lastHeartbeat;
    }

    /** The same origin heard from at {@code at}. */
    public OriginServer withHeartbeat(Instant at) {
        return new OriginServer(id, deviceId, ip, endpoints, at);
    }

    /**
     * The socket address of the first endpoint of {@code protocol} that matches {@code transport}
     * ({@code ANY} endpoints match every transport), with an unspecified host resolved to the
     * origin's IP. Creates an unresolved-free literal address; no DNS lookup for IP literals.
     */
    public Optional<InetSocketAddress> address(OriginProtocol protocol, OriginEndpoint.Transport transport) {
        for (OriginEndpoint e : endpoints(protocol)) {
            if (transport == OriginEndpoint.Transport.ANY || e.transport() == OriginEndpoint.Transport.ANY
                    || e.transport() == transport) {
                return Optional.of(new InetSocketAddress(e.hostOr(ip), e.port()));
            }
        }
        return Optional.empty();
    }

    /** Equality is by id and content, ignoring the heartbeat time. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OriginServer)) {
            return false;
        }
        OriginServer s = (OriginServer) o;
        return s.id.equals(id) && Objects.equals(s.deviceId, deviceId) && s.ip.equals(ip)
                && s.endpoints.equals(endpoints);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "OriginServer{" + id + " " + ip + " " + endpoints + "}";
    }
}
