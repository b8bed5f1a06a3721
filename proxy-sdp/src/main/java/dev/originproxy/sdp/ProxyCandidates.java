package dev.originproxy.sdp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The host candidates the proxy advertises to clients in place of the origin's (RFC 8839 section
 * 5.1): one UDP candidate per advertised address on the proxy's UDP port, and one passive TCP
 * candidate per address (RFC 6544 section 4.5, {@code tcptype passive}) only when a TCP port is
 * configured.
 *
 * <p>Priorities follow RFC 8445 section 5.1.2.1 with component 1: type preference 126 for UDP
 * and 90 for TCP (as browsers do, so UDP wins), local preference 65535 for the first address and
 * one less for each following one, so clients prefer the addresses in the order given. Each
 * candidate gets its own foundation (its 1-based position), since they differ in address or
 * transport (RFC 8445 section 5.1.1.3).
 *
 * <p>Built once at startup; the SDP lines are formatted then, so rewriting only copies them.
 * Immutable and thread-safe.
 */
public final class ProxyCandidates {
    private static final int COMPONENT_RTP = 1;
    private static final long UDP_TYPE_PREFERENCE = 126;
    private static final long TCP_TYPE_PREFERENCE = 90;
    private static final long FIRST_LOCAL_PREFERENCE = 65535;

    private final List<String> addresses;
    private final int udpPort;
    private final int tcpPort;
    private final List<IceCandidate> candidates;
    private final String crlfLines;
    private final String lfLines;

    private ProxyCandidates(Builder builder) {
        if (builder.addresses.isEmpty()) {
            throw new IllegalArgumentException("at least one advertised address is required");
        }
        if (builder.udpPort < 1) {
            throw new IllegalArgumentException("the UDP port is required");
        }
        this.addresses = List.copyOf(builder.addresses);
        this.udpPort = builder.udpPort;
        this.tcpPort = builder.tcpPort;
        List<IceCandidate> all = new ArrayList<>();
        for (int i = 0; i < addresses.size(); i++) {
            all.add(host(all.size() + 1, "udp", UDP_TYPE_PREFERENCE, i, addresses.get(i), udpPort, List.of()));
        }
        if (tcpPort > 0) {
            List<IceCandidate.Extension> passive = List.of(new IceCandidate.Extension("tcptype", "passive"));
            for (int i = 0; i < addresses.size(); i++) {
                all.add(host(all.size() + 1, "tcp", TCP_TYPE_PREFERENCE, i, addresses.get(i), tcpPort, passive));
            }
        }
        this.candidates = List.copyOf(all);
        StringBuilder crlf = new StringBuilder();
        StringBuilder lf = new StringBuilder();
        for (IceCandidate candidate : candidates) {
            String line = "a=candidate:" + candidate.toSdpValue();
            crlf.append(line).append("\r\n");
            lf.append(line).append('\n');
        }
        this.crlfLines = crlf.toString();
        this.lfLines = lf.toString();
    }

    private static IceCandidate host(int foundation, String transport, long typePreference, int position,
                                     String address, int port, List<IceCandidate.Extension> extensions) {
        long priority = (typePreference << 24) + ((FIRST_LOCAL_PREFERENCE - position) << 8) + (256 - COMPONENT_RTP);
        return new IceCandidate(Integer.toString(foundation), COMPONENT_RTP, transport, priority, address, port,
                "host", null, -1, extensions);
    }

    /** @return a builder; at least one address and the UDP port are required */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the advertised addresses, most preferred first */
    public List<String> addresses() {
        return addresses;
    }

    /** @return the proxy's UDP port */
    public int udpPort() {
        return udpPort;
    }

    /** @return the proxy's TCP port, if TCP candidates are advertised */
    public OptionalInt tcpPort() {
        return tcpPort > 0 ? OptionalInt.of(tcpPort) : OptionalInt.empty();
    }

    /** @return the candidates, UDP first, in the order they are written into answers */
    public List<IceCandidate> candidates() {
        return candidates;
    }

    String sdpLines(boolean crlf) {
        return crlf ? crlfLines : lfLines;
    }

    @Override
    public String toString() {
        return "ProxyCandidates" + addresses + " udp " + udpPort + (tcpPort > 0 ? " tcp " + tcpPort : "");
    }

    /**
     * Collects the advertised addresses and ports. Not thread-safe; use it from one thread.
     */
    public static final class Builder {
        private static final int MAX_ADDRESSES = 16;

        private final List<String> addresses = new ArrayList<>();
        private int udpPort;
        private int tcpPort;

        private Builder() {
        }

        /**
         * Adds an advertised address, an IPv4 or IPv6 literal. Host names are refused: clients
         * would need DNS, and resolving here would block.
         *
         * @throws IllegalArgumentException if it is not an IP literal, is scoped, or is a repeat
         */
        public Builder address(String ipLiteral) {
            Objects.requireNonNull(ipLiteral, "ipLiteral");
            if (!isIpLiteral(ipLiteral)) {
                throw new IllegalArgumentException("not an unscoped IPv4 or IPv6 literal: " + ipLiteral);
            }
            if (addresses.contains(ipLiteral)) {
                throw new IllegalArgumentException("address advertised twice: " + ipLiteral);
            }
            if (addresses.size() == MAX_ADDRESSES) {
                throw new IllegalArgumentException("more than " + MAX_ADDRESSES + " advertised addresses");
            }
            addresses.add(ipLiteral);
            return this;
        }

        /**
         * Adds an advertised address.
         *
         * @throws IllegalArgumentException if it is a scoped IPv6 address or a repeat
         */
        public Builder address(InetAddress address) {
            if (address instanceof Inet6Address && ((Inet6Address) address).getScopeId() != 0) {
                throw new IllegalArgumentException("scoped IPv6 addresses cannot be advertised: " + address);
            }
            return address(address.getHostAddress());
        }

        /** Sets the proxy's UDP port, 1 to 65535 (required). */
        public Builder udpPort(int port) {
            this.udpPort = checkPort(port);
            return this;
        }

        /** Sets the proxy's TCP port, 1 to 65535; without it no TCP candidates are advertised. */
        public Builder tcpPort(int port) {
            this.tcpPort = checkPort(port);
            return this;
        }

        /**
         * @return the candidates
         * @throws IllegalArgumentException without an address or a UDP port
         */
        public ProxyCandidates build() {
            return new ProxyCandidates(this);
        }

        private static int checkPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port outside 1..65535: " + port);
            }
            return port;
        }

        private static boolean isIpLiteral(String value) {
            if (value.isEmpty() || value.length() > 45) {
                return false;
            }
            if (value.indexOf(':') >= 0) {
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                    if (!hex && c != ':' && c != '.') {
                        return false;
                    }
                }
                try {
                    // Only hex digits, colons and dots remain, so this parses a literal and never resolves.
                    InetAddress.getByName(value);
                    return true;
                } catch (java.net.UnknownHostException e) {
                    return false;
                }
            }
            return isIpv4(value);
        }

        private static boolean isIpv4(String value) {
            int octets = 0;
            int i = 0;
            int length = value.length();
            while (i <= length) {
                int start = i;
                int octet = 0;
                while (i < length && value.charAt(i) >= '0' && value.charAt(i) <= '9' && i - start < 3) {
                    octet = octet * 10 + (value.charAt(i) - '0');
                    i++;
                }
                if (i == start || octet > 255) {
                    return false;
                }
                octets++;
                if (i == length) {
                    return octets == 4;
                }
                if (value.charAt(i) != '.' || octets == 4) {
                    return false;
                }
                i++;
            }
            return false;
        }
    }
}
