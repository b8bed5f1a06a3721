package dev.originproxy.stun;

import dev.originproxy.core.crypto.Hmac;
import dev.originproxy.core.crypto.HmacKey;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A STUN short-term credential key (RFC 8489 §9.1) prepared for HMAC (RFC 2104): the inner and
 * outer padded key blocks are computed once here (core's {@link HmacKey}), so that {@link StunVerifier} and
 * {@link StunMessageWriter} can compute MESSAGE-INTEGRITY (HMAC-SHA1, §14.5) and
 * MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, §14.6) per packet without allocating.
 *
 * <p>Create one per ICE session (its key is the peer's {@code ice-pwd}) and keep it.
 * The short-term key is the UTF-8 bytes of the password; the OpaqueString profile (RFC 8265)
 * that §9.1 applies is the identity for the ASCII passwords ICE uses (RFC 8445 §5.3), so it
 * is not applied here. Long-term credentials (§9.2) are not supported.
 *
 * <p>Immutable and thread-safe: one key may be used by many verifiers at once.
 */
public final class StunIntegrityKey {

    final HmacKey sha1;
    final HmacKey sha256;

    private StunIntegrityKey(byte[] key, int offset, int length) {
        this.sha1 = HmacKey.of(Hmac.Algorithm.SHA1, key, offset, length);
        this.sha256 = HmacKey.of(Hmac.Algorithm.SHA256, key, offset, length);
    }

    /**
     * Makes the short-term key for a password, e.g. an ICE {@code ice-pwd}.
     *
     * @param password the password; its UTF-8 bytes are the key
     * @return the prepared key
     * @throws NullPointerException if password is null
     */
    public static StunIntegrityKey shortTerm(String password) {
        byte[] key = password.getBytes(StandardCharsets.UTF_8);
        return new StunIntegrityKey(key, 0, key.length);
    }

    /**
     * Makes a key from raw key bytes (RFC 2104 key "K"); the bytes are copied.
     *
     * @param key the array holding the key
     * @param offset where the key starts
     * @param length the key length in bytes
     * @return the prepared key
     * @throws IndexOutOfBoundsException if the range is outside the array
     */
    public static StunIntegrityKey ofBytes(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        return new StunIntegrityKey(key, offset, length);
    }

    /** Never shows the key. */
    @Override
    public String toString() {
        return "StunIntegrityKey[redacted]";
    }
}
