package dev.originproxy.rtmp;

/**
 * Why an RTMP handshake packet was refused (see {@link RtmpHandshake}).
 *
 * <p>Immutable, thread-safe.
 */
public enum HandshakeFailure {
    /** The range given is outside the buffer or shorter than the packet. */
    TRUNCATED,
    /**
     * C0/S0 asks for RTMPE (version 6, 8 or 9: the encrypted variants of the Flash era), which
     * this codec does not speak.
     */
    ENCRYPTED_VERSION,
    /** C0/S0 is neither 3 (plain RTMP) nor an encrypted variant. */
    UNSUPPORTED_VERSION,
    /** A digest-form S2/C2 does not carry the digest it must (wrong key or tampered packet). */
    DIGEST_MISMATCH
}
