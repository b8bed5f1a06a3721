package dev.originproxy.stun;

/**
 * STUN attribute type codes, named after the registry of RFC 8489 §18.3 and the ICE attributes
 * of RFC 8445 §16.1.
 *
 * <p>Types below {@code 0x8000} are comprehension-required (RFC 8489 §14): an agent that does
 * not understand one must reject the message; types from {@code 0x8000} up are
 * comprehension-optional and may be skipped.
 *
 * <p>Constants only; thread-safe.
 */
public final class StunAttribute {

    /** MAPPED-ADDRESS (RFC 8489 §14.1). */
    public static final int MAPPED_ADDRESS = 0x0001;
    /** USERNAME (RFC 8489 §14.3). */
    public static final int USERNAME = 0x0006;
    /** MESSAGE-INTEGRITY, HMAC-SHA1 (RFC 8489 §14.5). */
    public static final int MESSAGE_INTEGRITY = 0x0008;
    /** ERROR-CODE (RFC 8489 §14.8). */
    public static final int ERROR_CODE = 0x0009;
    /** UNKNOWN-ATTRIBUTES (RFC 8489 §14.13). */
    public static final int UNKNOWN_ATTRIBUTES = 0x000A;
    /** REALM (RFC 8489 §14.9). */
    public static final int REALM = 0x0014;
    /** NONCE (RFC 8489 §14.10). */
    public static final int NONCE = 0x0015;
    /** MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6). */
    public static final int MESSAGE_INTEGRITY_SHA256 = 0x001C;
    /** PASSWORD-ALGORITHM (RFC 8489 §14.12). */
    public static final int PASSWORD_ALGORITHM = 0x001D;
    /** USERHASH (RFC 8489 §14.4). */
    public static final int USERHASH = 0x001E;
    /** XOR-MAPPED-ADDRESS (RFC 8489 §14.2). */
    public static final int XOR_MAPPED_ADDRESS = 0x0020;
    /** PRIORITY (RFC 8445 §16.1). */
    public static final int PRIORITY = 0x0024;
    /** USE-CANDIDATE (RFC 8445 §16.1). */
    public static final int USE_CANDIDATE = 0x0025;
    /** PASSWORD-ALGORITHMS (RFC 8489 §14.11). */
    public static final int PASSWORD_ALGORITHMS = 0x8002;
    /** ALTERNATE-DOMAIN (RFC 8489 §14.16). */
    public static final int ALTERNATE_DOMAIN = 0x8003;
    /** SOFTWARE (RFC 8489 §14.14). */
    public static final int SOFTWARE = 0x8022;
    /** ALTERNATE-SERVER (RFC 8489 §14.15). */
    public static final int ALTERNATE_SERVER = 0x8023;
    /** FINGERPRINT (RFC 8489 §14.7). */
    public static final int FINGERPRINT = 0x8028;
    /** ICE-CONTROLLED (RFC 8445 §16.1). */
    public static final int ICE_CONTROLLED = 0x8029;
    /** ICE-CONTROLLING (RFC 8445 §16.1). */
    public static final int ICE_CONTROLLING = 0x802A;

    private StunAttribute() {
    }

    /**
     * Tells whether an attribute type is comprehension-required (RFC 8489 §14).
     *
     * @param type a 16-bit attribute type
     * @return true for types {@code 0x0000}-{@code 0x7FFF}
     */
    public static boolean isComprehensionRequired(int type) {
        return (type & 0xFFFF) < 0x8000;
    }
}
