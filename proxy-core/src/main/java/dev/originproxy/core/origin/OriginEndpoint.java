package dev.originproxy.core.origin;

import java.util.Locale;
import java.util.Objects;

/**
 * One listening endpoint of an origin, as the SRS heartbeat announces it. The forms SRS sends are
 * all accepted: a bare port {@code "1985"}, {@code "udp://0.0.0.0:8000"},
 * {@code "tcp://0.0.0.0:8000"}, {@code "udp://8000"}, {@code "udp:1.2.3.4:8000"} and
 * {@code "[::1]:8000"}. An unspecified host (none, {@code 0.0.0.0} or {@code ::}) means "the
 * origin's own IP", resolved by {@link #hostOr(String)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class OriginEndpoint {
    /** The transport an endpoint names; {@code ANY} when the string did not say. */
    public enum Transport {
        /** The string named no transport: either is accepted. */
        ANY,
        /** UDP only. */
        UDP,
        /** TCP only. */
        TCP
    }

    private final Transport transport;
    private final String host; // null when unspecified
    private final int port;

    /**
     * @param host the endpoint's host, or null when it is the origin's IP
     */
    public OriginEndpoint(Transport transport, String host, int port) {
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.transport = Objects.requireNonNull(transport, "transport");
        this.host = host == null || isUnspecified(host) ? null : host;
        this.port = port;
    }

    /**
     * Parses one endpoint string of an SRS heartbeat.
     *
     * @throws IllegalArgumentException with a one-line reason when the string is not an endpoint
     */
    public static OriginEndpoint parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty endpoint");
        }
        String s = text.trim();
        Transport transport = Transport.ANY;
        String lower = s.toLowerCase(Locale.ROOT);
        for (Transport t : new Transport[] {Transport.UDP, Transport.TCP}) {
            String scheme = t.name().toLowerCase(Locale.ROOT) + ":";
            if (lower.startsWith(scheme)) {
                transport = t;
                s = s.substring(scheme.length());
                if (s.startsWith("//")) {
                    s = s.substring(2);
                }
                break;
            }
        }
        String host = null;
        String portText = s;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("malformed endpoint: " + text);
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0) {
                host = s.substring(0, colon);
                portText = s.substring(colon + 1);
                if (host.isEmpty() || host.indexOf(':') >= 0) {
                    throw new IllegalArgumentException("malformed endpoint: " + text);
                }
            }
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint port is not a number: " + text);
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("endpoint port out of range: " + text);
        }
        return new OriginEndpoint(transport, host, port);
    }

    private static boolean isUnspecified(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")
                || host.equals("0:0:0:0:0:0:0:0");
    }

    /** The transport, {@code ANY} for a bare port. */
    public Transport transport() {
        return transport;
    }

    /** The endpoint's own host, or null when it listens on the origin's IP. */
    public String host() {
        return host;
    }

    /** The endpoint's host, or {@code originIp} when the endpoint did not name one. */
    public String hostOr(String originIp) {
        return host == null ? originIp : host;
    }

    /** The port. */
    public int port() {
        return port;
    }

    /** The SRS string form, e.g. {@code udp://1.2.3.4:8000} or {@code 1985}. */
    @Override
    public String toString() {
        String prefix = transport == Transport.ANY ? "" : transport.name().toLowerCase(Locale.ROOT) + "://";
        if (host == null) {
            return transport == Transport.ANY ? Integer.toString(port) : prefix + "0.0.0.0:" + port;
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return prefix + h + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OriginEndpoint)) {
            return false;
        }
        OriginEndpoint e = (OriginEndpoint) o;
        return e.transport == transport && e.port == port && Objects.equals(e.host, host);
    }

    @Override
    public int hashCode() {
        return Objects.hash(transport, host, port);
    }
}
