package dev.originproxy.core.origin;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an origin heartbeat may announce: the trust boundary of origin registration. Origins are
 * trusted only for what their registration says, so what it may say is bounded here:
 * <ul>
 *   <li>every address (the origin's {@code ip} and any host an endpoint names) is an IP literal;
 *       a name is refused, so no DNS answer decides where the proxy connects;</li>
 *   <li>no unspecified ({@code 0.0.0.0}, {@code ::}), multicast, broadcast or link-local
 *       ({@code 169.254/16}, {@code fe80::/10}, where cloud metadata services live) address
 *       unless {@link Builder#allowSpecialAddresses(boolean) allowed};</li>
 *   <li>when an allowlist is set, every address is inside one of its CIDR blocks;</li>
 *   <li>at most {@link Builder#maxOrigins(int) maxOrigins} live origins (then 429);</li>
 *   <li>a live origin's addresses cannot be changed except by a heartbeat sent from that origin's
 *       registered IP, or after it expired.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class RegistrationPolicy {
    /** Default cap on live origins. */
    public static final int DEFAULT_MAX_ORIGINS = 1000;

    private final List<Cidr> allowed;
    private final boolean allowSpecialAddresses;
    private final int maxOrigins;

    private RegistrationPolicy(Builder b) {
        this.allowed = List.copyOf(b.allowed);
        this.allowSpecialAddresses = b.allowSpecialAddresses;
        this.maxOrigins = b.maxOrigins;
    }

    /** The defaults: any unicast IP literal, at most {@value #DEFAULT_MAX_ORIGINS} origins. */
    public static RegistrationPolicy defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The cap on live origins. */
    public int maxOrigins() {
        return maxOrigins;
    }

    /**
     * Checks every address an origin announces.
     *
     * @return empty when acceptable, else a one-line reason
     */
    public Optional<String> checkAddresses(OriginServer origin) {
        Optional<String> bad = checkAddress("ip", origin.ip());
        if (bad.isPresent()) {
            return bad;
        }
        for (Map.Entry<OriginProtocol, List<OriginEndpoint>> e : origin.endpoints().entrySet()) {
            for (OriginEndpoint ep : e.getValue()) {
                if (ep.host() != null) {
                    bad = checkAddress(e.getKey().name().toLowerCase(java.util.Locale.ROOT) + " endpoint", ep.host());
                    if (bad.isPresent()) {
                        return bad;
                    }
                }
            }
        }
        return Optional.empty();
    }

    private Optional<String> checkAddress(String what, String text) {
        Optional<InetAddress> parsed = parseLiteral(text);
        if (parsed.isEmpty()) {
            return Optional.of(what + " must be an IP literal, not '" + shorten(text) + "'");
        }
        InetAddress a = parsed.get();
        if (!allowSpecialAddresses && isSpecial(a)) {
            return Optional.of(what + " " + a.getHostAddress()
                    + " is unspecified, multicast, broadcast or link-local; refused");
        }
        if (!allowed.isEmpty() && allowed.stream().noneMatch(c -> c.contains(a))) {
            return Optional.of(what + " " + a.getHostAddress() + " is outside the allowed networks");
        }
        return Optional.empty();
    }

    /**
     * Whether a heartbeat may replace a live registration with the same id: yes when nothing
     * an address depends on changed, or when the heartbeat comes from the live origin's IP.
     */
    public static boolean mayRepoint(OriginServer live, OriginServer next, InetAddress from) {
        if (live.ip().equals(next.ip()) && live.endpoints().equals(next.endpoints())) {
            return true;
        }
        Optional<InetAddress> liveIp = parseLiteral(live.ip());
        return from != null && liveIp.isPresent() && liveIp.get().equals(from);
    }

    private static boolean isSpecial(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isMulticastAddress() || a.isLinkLocalAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return (b[0] & 0xff) == 255 && (b[1] & 0xff) == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255;
        }
        return false;
    }

    /** An IP literal without any name lookup, or empty. IPv6 may be bracketed. */
    public static Optional<InetAddress> parseLiteral(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) {
            return Optional.empty();
        }
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (t.indexOf(':') >= 0) {
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                boolean ok = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                if (!ok) {
                    return Optional.empty(); // zone ids and anything else: refused
                }
            }
            try {
                // a string of hex digits, colons and dots is parsed as a literal, never looked up
                InetAddress a = InetAddress.getByName(t);
                return a instanceof Inet6Address || a instanceof Inet4Address ? Optional.of(a) : Optional.empty();
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        String[] parts = t.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
                    || (p.length() > 1 && p.charAt(0) == '0')) {
                return Optional.empty();
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return Optional.empty();
            }
            b[i] = (byte) v;
        }
        try {
            return Optional.of(InetAddress.getByAddress(b));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static String shorten(String s) {
        String one = s.replace('\r', ' ').replace('\n', ' ');
        return one.length() > 64 ? one.substring(0, 64) + "..." : one;
    }

    /** One CIDR block, {@code 10.0.0.0/8} or {@code fd00::/8}. */
    private record Cidr(byte[] network, int bits) {
        static Cidr parse(String text) {
            String t = text.trim();
            int slash = t.indexOf('/');
            Optional<InetAddress> a = parseLiteral(slash < 0 ? t : t.substring(0, slash));
            if (a.isEmpty()) {
                throw new IllegalArgumentException("not a CIDR block: '" + shorten(text) + "'");
            }
            int max = a.get().getAddress().length * 8;
            int bits;
            try {
                bits = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a CIDR block: '" + shorten(text) + "'");
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("prefix length out of range in '" + shorten(text) + "'");
            }
            return new Cidr(a.get().getAddress(), bits);
        }

        boolean contains(InetAddress a) {
            byte[] x = a.getAddress();
            if (x.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (x[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (x[full] & mask) == (network[full] & mask);
        }
    }

    /** Configures a {@link RegistrationPolicy}; not thread-safe. */
    public static final class Builder {
        private final List<Cidr> allowed = new ArrayList<>();
        private boolean allowSpecialAddresses;
        private int maxOrigins = DEFAULT_MAX_ORIGINS;

        private Builder() {
        }

        /**
         * Adds a CIDR block origins' addresses must be in ({@code 10.0.0.0/8}, {@code fd00::/8}, or
         * a single address). With none, any address passes the other checks.
         *
         * @throws IllegalArgumentException when the text is not a CIDR block
         */
        public Builder allowNetwork(String cidr) {
            allowed.add(Cidr.parse(Objects.requireNonNull(cidr, "cidr")));
            return this;
        }

        /** Whether unspecified, multicast, broadcast and link-local addresses may register; default no. */
        public Builder allowSpecialAddresses(boolean allow) {
            this.allowSpecialAddresses = allow;
            return this;
        }

        /** The cap on live origins (then 429); default {@value #DEFAULT_MAX_ORIGINS}. */
        public Builder maxOrigins(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxOrigins must be positive");
            }
            this.maxOrigins = max;
            return this;
        }

        /** The policy. */
        public RegistrationPolicy build() {
            return new RegistrationPolicy(this);
        }
    }
}
