package dev.originproxy.core.crypto;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * An HMAC key (RFC 2104) prepared once: its inner and outer padded blocks for one hash, so that
 * {@link Hmac} computes each MAC with two digest passes and no allocation. The one HMAC key type
 * of the project: STUN MESSAGE-INTEGRITY (HMAC-SHA1, HMAC-SHA256; RFC 8489 §14.5, §14.6) and SRT
 * SYN cookies (HMAC-SHA256) use it.
 *
 * <p>Immutable and thread-safe; never shows the key.
 */
public final class HmacKey {
    /** HMAC block size of SHA-1 and SHA-256 (RFC 2104 §2, "B"). */
    public static final int BLOCK = 64;

    private static final byte IPAD = 0x36;
    private static final byte OPAD = 0x5C;

    final Hmac.Algorithm algorithm;
    final byte[] inner = new byte[BLOCK];
    final byte[] outer = new byte[BLOCK];

    private HmacKey(Hmac.Algorithm algorithm, byte[] key, int offset, int length) {
        this.algorithm = algorithm;
        byte[] k;
        if (length > BLOCK) {
            // RFC 2104 §2: keys longer than the block are first hashed with the HMAC's own hash
            MessageDigest d = algorithm.newDigest();
            d.update(key, offset, length);
            k = d.digest();
        } else {
            k = Arrays.copyOfRange(key, offset, offset + length);
        }
        for (int i = 0; i < BLOCK; i++) {
            byte b = i < k.length ? k[i] : 0;
            inner[i] = (byte) (b ^ IPAD);
            outer[i] = (byte) (b ^ OPAD);
        }
        Arrays.fill(k, (byte) 0);
    }

    /**
     * A key for {@code algorithm} from raw key bytes (RFC 2104 "K"); the bytes are copied.
     *
     * @throws IndexOutOfBoundsException if the range is outside the array
     */
    public static HmacKey of(Hmac.Algorithm algorithm, byte[] key, int offset, int length) {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.checkFromIndexSize(offset, length, key.length);
        return new HmacKey(algorithm, key, offset, length);
    }

    /** The hash this key is for. */
    public Hmac.Algorithm algorithm() {
        return algorithm;
    }

    /** Never shows the key. */
    @Override
    public String toString() {
        return "HmacKey[" + algorithm + ", redacted]";
    }
}
