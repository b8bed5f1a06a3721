package dev.originproxy.stun;

import java.nio.ByteBuffer;

/**
 * Checks the MESSAGE-INTEGRITY (RFC 8489 §14.5), MESSAGE-INTEGRITY-SHA256 (§14.6) and
 * FINGERPRINT (§14.7) attributes of a wrapped {@link StunMessage}, without allocating.
 *
 * <p>MESSAGE-INTEGRITY is HMAC-SHA1 over the message up to, not including, the attribute, with
 * the header's length field set as if the attribute were the last one; MESSAGE-INTEGRITY-SHA256
 * is the same with HMAC-SHA256, possibly truncated to the attribute's length. FINGERPRINT is the
 * CRC-32 of the message up to the attribute (the length field as sent, since FINGERPRINT is
 * last) XOR {@code 0x5354554E}. MACs are compared in constant time.
 *
 * <p>Not thread-safe: it keeps the digest state and scratch arrays it reuses. Create one per
 * thread (e.g. per event-loop worker).
 */
public final class StunVerifier {

    private final StunCrypto crypto = new StunCrypto();

    /** Creates a verifier with its own digest state. */
    public StunVerifier() {
    }

    /**
     * Verifies MESSAGE-INTEGRITY (HMAC-SHA1) with a short-term key.
     *
     * @param message a wrapped message
     * @param key the key, e.g. made from the session's {@code ice-pwd}
     * @return true only if the message is valid, carries MESSAGE-INTEGRITY, and it matches
     */
    public boolean verifyIntegrity(StunMessage message, StunIntegrityKey key) {
        return message != null && key != null
                && verify(message, message.messageIntegrityAttribute(), false, key);
    }

    /**
     * Verifies MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, possibly truncated) with a key.
     *
     * @param message a wrapped message
     * @param key the key
     * @return true only if the message is valid, carries MESSAGE-INTEGRITY-SHA256, and it
     *     matches
     */
    public boolean verifyIntegritySha256(StunMessage message, StunIntegrityKey key) {
        return message != null && key != null
                && verify(message, message.messageIntegritySha256Attribute(), true, key);
    }

    /**
     * Verifies FINGERPRINT.
     *
     * @param message a wrapped message
     * @return true only if the message is valid, carries FINGERPRINT, and the CRC matches
     */
    public boolean verifyFingerprint(StunMessage message) {
        if (message == null || !message.hasFingerprint()) {
            return false;
        }
        int at = message.fingerprintAttribute();
        int expected = crypto.crc32(message.buffer(), message.offset(), at)
                ^ StunMessage.FINGERPRINT_XOR;
        return expected == message.readInt(at + StunMessage.ATTRIBUTE_HEADER_LENGTH);
    }

    private boolean verify(StunMessage message, int at, boolean sha256, StunIntegrityKey key) {
        if (at < 0 || !message.isValid()) {
            return false;
        }
        ByteBuffer buf = message.buffer();
        int start = message.offset();
        int macLength = message.readShort(at + 2);
        // §14.5: the length field counts everything up to the end of this attribute.
        int adjustedLength = at + StunMessage.ATTRIBUTE_HEADER_LENGTH + macLength
                - start - StunMessage.HEADER_LENGTH;
        if (!crypto.hmac(sha256, key, buf, start, at, adjustedLength)) {
            return false;
        }
        byte[] mac = crypto.mac;
        int value = at + StunMessage.ATTRIBUTE_HEADER_LENGTH;
        int diff = 0;
        for (int i = 0; i < macLength; i++) {
            diff |= mac[i] ^ buf.get(value + i);
        }
        return diff == 0;
    }
}
