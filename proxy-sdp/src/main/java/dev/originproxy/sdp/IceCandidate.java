package dev.originproxy.sdp;

import dev.originproxy.sdp.SdpException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One ICE candidate as written in an SDP {@code a=candidate} attribute (RFC 8839 section 5.1):
 * {@code foundation component transport priority address port typ type [raddr a] [rport p] *(name value)}.
 *
 * <p>Values are kept as written ({@code transport} may be {@code UDP} or {@code udp}); the
 * address may be an IPv4 or IPv6 literal or an FQDN such as an mDNS {@code .local} name.
 * Immutable and thread-safe.
 *
 * @param foundation     1 to 32 ice-chars
 * @param component      the component id, 1 to 256 (1 is RTP, and the only one with BUNDLE/rtcp-mux)
 * @param transport      {@code udp} or {@code tcp}, any case, or another transport token
 * @param priority       0 to 2<sup>32</sup>-1
 * @param address        the connection address
 * @param port           0 to 65535 (0 for an active TCP candidate, RFC 6544)
 * @param type           {@code host}, {@code srflx}, {@code prflx}, {@code relay} or another token
 * @param relatedAddress the {@code raddr}, or {@code null} when absent
 * @param relatedPort    the {@code rport}, or -1 when absent
 * @param extensions     the extension attributes, in their original order
 */
public record IceCandidate(String foundation, int component, String transport, long priority,
                           String address, int port, String type, String relatedAddress, int relatedPort,
                           List<Extension> extensions) {

    /** The largest priority RFC 8839 allows (10 digits, bounded by RFC 8445's 32-bit formula). */
    public static final long MAX_PRIORITY = 0xFFFF_FFFFL;

    private static final String ATTRIBUTE_PREFIX = "a=candidate:";
    private static final String VALUE_PREFIX = "candidate:";

    /**
     * One extension attribute of a candidate, such as {@code generation 0} or
     * {@code tcptype passive} (RFC 8839 section 5.1, RFC 6544 section 4.5).
     *
     * @param name  the extension name
     * @param value the extension value
     */
    public record Extension(String name, String value) {
        /** Validates that both parts are non-empty and free of whitespace. */
        public Extension {
            requireToken(name, "extension name");
            requireToken(value, "extension value");
        }
    }

    /** Validates every field; throws {@link SdpException} with {@link Reason#MALFORMED_CANDIDATE}. */
    public IceCandidate {
        requireToken(foundation, "foundation");
        if (foundation.length() > 32 || !IceCredentials.isIceChars(foundation)) {
            throw malformed("foundation is not 1 to 32 ice-chars");
        }
        if (component < 1 || component > 256) {
            throw malformed("component id " + component + " is outside 1..256");
        }
        requireToken(transport, "transport");
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw malformed("priority " + priority + " is outside 0..4294967295");
        }
        requireToken(address, "address");
        if (port < 0 || port > 65535) {
            throw malformed("port " + port + " is outside 0..65535");
        }
        requireToken(type, "type");
        if (relatedAddress != null) {
            requireToken(relatedAddress, "raddr");
        }
        if (relatedPort < -1 || relatedPort > 65535) {
            throw malformed("rport " + relatedPort + " is outside 0..65535");
        }
        extensions = List.copyOf(Objects.requireNonNull(extensions, "extensions"));
    }

    /**
     * Reads a candidate from the value of an {@code a=candidate} attribute. The value may carry
     * the {@code a=candidate:} or {@code candidate:} prefix (the latter is what browsers put in
     * {@code RTCIceCandidate.candidate}).
     *
     * @throws SdpException with {@link Reason#MALFORMED_CANDIDATE} if it does not follow RFC 8839
     *                      section 5.1
     */
    public static IceCandidate parse(String value) {
        Objects.requireNonNull(value, "value");
        int from = 0;
        if (value.startsWith(ATTRIBUTE_PREFIX)) {
            from = ATTRIBUTE_PREFIX.length();
        } else if (value.startsWith(VALUE_PREFIX)) {
            from = VALUE_PREFIX.length();
        }
        List<String> tokens = tokens(value, from);
        if (tokens.size() < 8 || !tokens.get(6).equals("typ")) {
            throw malformed("candidate needs foundation, component, transport, priority, address, port and typ");
        }
        int component = (int) digits(tokens.get(1), 3, "component id");
        long priority = digits(tokens.get(3), 10, "priority");
        int port = (int) digits(tokens.get(5), 5, "port");
        int next = 8;
        String relatedAddress = null;
        int relatedPort = -1;
        if (next + 1 < tokens.size() && tokens.get(next).equals("raddr")) {
            relatedAddress = tokens.get(next + 1);
            next += 2;
        }
        if (next + 1 < tokens.size() && tokens.get(next).equals("rport")) {
            relatedPort = (int) digits(tokens.get(next + 1), 5, "rport");
            next += 2;
        }
        if ((tokens.size() - next) % 2 != 0) {
            throw malformed("candidate extension without a value");
        }
        List<Extension> extensions = new ArrayList<>((tokens.size() - next) / 2);
        for (; next < tokens.size(); next += 2) {
            extensions.add(new Extension(tokens.get(next), tokens.get(next + 1)));
        }
        return new IceCandidate(tokens.get(0), component, tokens.get(2), priority, tokens.get(4), port,
                tokens.get(7), relatedAddress, relatedPort, extensions);
    }

    /** @return whether the transport is UDP (case-insensitive) */
    public boolean isUdp() {
        return transport.equalsIgnoreCase("udp");
    }

    /** @return whether the transport is TCP (case-insensitive, RFC 6544) */
    public boolean isTcp() {
        return transport.equalsIgnoreCase("tcp");
    }

    /** @return the value of the first extension named {@code name}, if any */
    public Optional<String> extension(String name) {
        for (Extension extension : extensions) {
            if (extension.name().equals(name)) {
                return Optional.of(extension.value());
            }
        }
        return Optional.empty();
    }

    /** @return the attribute value as written after {@code a=candidate:}, in RFC 8839 order */
    public String toSdpValue() {
        StringBuilder out = new StringBuilder(96);
        out.append(foundation).append(' ').append(component).append(' ').append(transport).append(' ')
                .append(priority).append(' ').append(address).append(' ').append(port)
                .append(" typ ").append(type);
        if (relatedAddress != null) {
            out.append(" raddr ").append(relatedAddress);
        }
        if (relatedPort >= 0) {
            out.append(" rport ").append(relatedPort);
        }
        for (Extension extension : extensions) {
            out.append(' ').append(extension.name()).append(' ').append(extension.value());
        }
        return out.toString();
    }

    private static List<String> tokens(String value, int from) {
        List<String> tokens = new ArrayList<>(16);
        int length = value.length();
        int i = from;
        while (i < length) {
            while (i < length && value.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < length && value.charAt(i) != ' ') {
                i++;
            }
            if (i > start) {
                tokens.add(value.substring(start, i));
            }
        }
        return tokens;
    }

    // Digits only: Long.parseLong would accept a sign and throw an unchecked exception of its own.
    private static long digits(String token, int maxDigits, String what) {
        if (token.isEmpty() || token.length() > maxDigits) {
            throw malformed(what + " is not 1 to " + maxDigits + " digits");
        }
        long value = 0;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                throw malformed(what + " is not a number");
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    static void requireToken(String value, String what) {
        if (value == null || value.isEmpty()) {
            throw malformed(what + " is missing");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c == 0x7F) {
                throw malformed(what + " contains whitespace or a control character");
            }
        }
    }

    private static SdpException malformed(String message) {
        return new SdpException(Reason.MALFORMED_CANDIDATE, message);
    }
}
