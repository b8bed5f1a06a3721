package dev.originproxy.stun;

/**
 * STUN method codes (RFC 8489 §18.2). The method occupies the 12 method bits M0-M11 of the
 * message type; see {@link StunMessageType} for how it is interleaved with the class bits.
 *
 * <p>Constants only; thread-safe.
 */
public final class StunMethod {

    /** Binding (RFC 8489 §3), the only method ICE connectivity checks use. */
    public static final int BINDING = 0x001;

    private StunMethod() {
    }
}
