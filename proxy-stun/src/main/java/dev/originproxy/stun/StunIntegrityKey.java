package dev.originproxy.stun;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A STUN short-term credential key (RFC 8489 §9.1) prepared for HMAC (RFC 2104): the inner and
 * outer padded key blocks are computed once here, so that {@link StunVerifier} and
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

    /** HMAC block size of both SHA-1 and SHA-256 (RFC 2104 §2, "B"). */
    static final int BLOCK = 64;

    private static final byte IPAD = 0x36;
    private static final byte OPAD = 0x5C;

    final byte[] sha1Inner = new byte[BLOCK];
    final byte[] sha1Outer = new byte[BLOCK];
    final byte[] sha256Inner = new byte[BLOCK];
    final byte[] sha256Outer = new byte[BLOCK];

    private StunIntegrityKey(byte[] key, int offset, int length) {
        pad(hashIfLong("SHA-1", key, offset, length), sha1Inner, sha1Outer);
        pad(hashIfLong("SHA-256", key, offset, length), sha256Inner, sha256Outer);
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

    // RFC 2104 §2: keys longer than the block are first hashed with the HMAC's own hash.
    private static byte[] hashIfLong(String algorithm, byte[] key, int offset, int length) {
        if (length <= BLOCK) {
            return Arrays.copyOfRange(key, offset, offset + length);
        }
        MessageDigest digest = StunCrypto.digest(algorithm);
        digest.update(key, offset, length);
        return digest.digest();
    }

    private static void pad(byte[] key, byte[] inner, byte[] outer) {
        for (int i = 0; i < BLOCK; i++) {
            byte k = i < key.length ? key[i] : 0;
            inner[i] = (byte) (k ^ IPAD);
            outer[i] = (byte) (k ^ OPAD);
        }
        Arrays.fill(key, (byte) 0);
    }
}
