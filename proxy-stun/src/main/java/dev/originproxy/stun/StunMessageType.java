package dev.originproxy.stun;

/**
 * Encoding and decoding of the 14-bit STUN message type (RFC 8489 §5), whose bits are laid out
 * as {@code M11..M7 C1 M6..M4 C0 M3..M0}: the class bits C0 and C1 sit at bit positions 4 and 8,
 * interleaved with the 12 method bits.
 *
 * <p>Static, stateless; thread-safe.
 */
public final class StunMessageType {

    /** Binding request, type {@code 0x0001}. */
    public static final int BINDING_REQUEST = 0x0001;
    /** Binding indication, type {@code 0x0011}. */
    public static final int BINDING_INDICATION = 0x0011;
    /** Binding success response, type {@code 0x0101}. */
    public static final int BINDING_SUCCESS_RESPONSE = 0x0101;
    /** Binding error response, type {@code 0x0111}. */
    public static final int BINDING_ERROR_RESPONSE = 0x0111;

    private StunMessageType() {
    }

    /**
     * Builds a message type from a method and a class.
     *
     * @param method a 12-bit method, e.g. {@link StunMethod#BINDING}
     * @param messageClass a class from {@link StunClass}
     * @return the 14-bit message type
     */
    public static int of(int method, int messageClass) {
        return (method & 0x000F)
                | ((method & 0x0070) << 1)
                | ((method & 0x0F80) << 2)
                | ((messageClass & 0b01) << 4)
                | ((messageClass & 0b10) << 7);
    }

    /**
     * Extracts the method bits M0-M11 of a message type.
     *
     * @param messageType a 14-bit message type
     * @return the 12-bit method
     */
    public static int method(int messageType) {
        return (messageType & 0x000F)
                | ((messageType >>> 1) & 0x0070)
                | ((messageType >>> 2) & 0x0F80);
    }

    /**
     * Extracts the class bits C1 C0 of a message type.
     *
     * @param messageType a 14-bit message type
     * @return one of the {@link StunClass} constants
     */
    public static int messageClass(int messageType) {
        return ((messageType >>> 4) & 0b01) | ((messageType >>> 7) & 0b10);
    }
}
