package dev.originproxy.stun;

/**
 * STUN message classes (RFC 8489 §5): the two bits C1 C0 that the message type carries
 * between the method bits.
 *
 * <p>Constants only; thread-safe.
 */
public final class StunClass {

    /** Request, C1 C0 = 0b00. */
    public static final int REQUEST = 0b00;
    /** Indication, C1 C0 = 0b01. */
    public static final int INDICATION = 0b01;
    /** Success response, C1 C0 = 0b10. */
    public static final int SUCCESS_RESPONSE = 0b10;
    /** Error response, C1 C0 = 0b11. */
    public static final int ERROR_RESPONSE = 0b11;

    private StunClass() {
    }
}
