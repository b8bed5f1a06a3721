package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.Direction;

import java.util.Optional;

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

    /** The endpoint a path names, or empty. */
    public static Optional<SignallingEndpoint> of(String path) {
        for (SignallingEndpoint e : values()) {
            if (e.legacy ? path.equals(e.path) || path.equals(e.path.substring(0, e.path.length() - 1))
                    : path.startsWith(e.path)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
