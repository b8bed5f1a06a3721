package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.Direction;

/**
 * The signalling endpoints the forwarder serves, named by their raw request path: WHIP
 * (RFC 9725) publish, WHEP play, and SRS's legacy JSON API for publish and play.
 *
 * <p>Immutable.
 */
public enum SignallingEndpoint {
    /** WHIP publish, {@code /rtc/v1/whip/}. */
    WHIP("/rtc/v1/whip/", Direction.PUBLISH, false),
    /** WHEP play, {@code /rtc/v1/whep/}. */
    WHEP("/rtc/v1/whep/", Direction.PLAY, false),
    /** SRS legacy publish, {@code /rtc/v1/publish/} with a JSON envelope. */
    LEGACY_PUBLISH("/rtc/v1/publish/", Direction.PUBLISH, true),
    /** SRS legacy play, {@code /rtc/v1/play/} with a JSON envelope. */
    LEGACY_PLAY("/rtc/v1/play/", Direction.PLAY, true);

    private final String path;
    private final Direction direction;
    private final boolean legacy;

    SignallingEndpoint(String path, Direction direction, boolean legacy) {
        this.path = path;
        this.direction = direction;
        this.legacy = legacy;
    }

    /** The canonical path, with its trailing slash. */
    public String path() {
        return path;
    }

    /** Publish or play. */
    public Direction direction() {
        return direction;
    }

    /** Whether bodies are SRS's JSON envelope rather than plain SDP. */
    public boolean legacy() {
        return legacy;
    }

    /**
     * What a raw request path names: exactly one of the known paths (with or without its
     * trailing slash), nothing under it. The raw path is matched, never the decoded one, so
     * {@code %2F}, {@code %3F}, {@code %23} and dot segments cannot name another resource.
     */
    public static Match match(String rawPath) {
        for (SignallingEndpoint e : values()) {
            if (rawPath.equals(e.path) || rawPath.equals(e.path.substring(0, e.path.length() - 1))) {
                return new Match(e, null);
            }
        }
        for (SignallingEndpoint e : values()) {
            if (rawPath.startsWith(e.path.substring(0, e.path.length() - 1))) {
                return new Match(null, 400);
            }
        }
        return new Match(null, 404);
    }

    /**
     * The result of {@link #match}: an endpoint, or the status to refuse with (400 for a path
     * under a known prefix that is not the prefix itself, 404 for anything else).
     *
     * @param endpoint the endpoint, or null
     * @param refusal the status when there is no endpoint, else null
     */
    public record Match(SignallingEndpoint endpoint, Integer refusal) {
    }

    /**
     * Whether a raw query is safe to put into a URI as is: only RFC 3986 query characters
     * (unreserved, sub-delims, {@code : @ / ?}) and well-formed percent-escapes. A space, a
     * {@code #}, quotes, angle brackets, control or non-ASCII characters are refused.
     */
    public static boolean isValidRawQuery(String rawQuery) {
        if (rawQuery == null) {
            return true;
        }
        for (int i = 0; i < rawQuery.length(); i++) {
            char c = rawQuery.charAt(i);
            if (c == '%') {
                if (i + 2 >= rawQuery.length() || !isHex(rawQuery.charAt(i + 1)) || !isHex(rawQuery.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (!isQueryChar(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isQueryChar(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        return "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0;
    }
}
