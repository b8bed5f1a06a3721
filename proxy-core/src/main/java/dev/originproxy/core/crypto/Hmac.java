package dev.originproxy.core.crypto;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC (RFC 2104) without allocation: two passes of a reused {@link MessageDigest} over the
 * padded blocks of an {@link HmacKey} ({@code javax.crypto.Mac.doFinal} allocates its result on
 * every call, too much for a per-packet check). The one HMAC of the project: STUN integrity and
 * SRT SYN cookies both use it.
 *
 * <p>Use: {@link #start}, any number of {@code update}s, {@link #finish}. Bytes of a heap buffer
 * are hashed from its array; those of a direct or read-only buffer through a reused chunk with
 * absolute gets, so the caller's position and limit are never touched.
 *
 * <p>Not thread-safe: one instance per thread (or per confined owner).
 */
public final class Hmac {
    /** The hashes HMAC is used with here. */
    public enum Algorithm {
        /** HMAC-SHA1, 20-byte MACs (STUN MESSAGE-INTEGRITY). */
        SHA1("SHA-1", 20),
        /** HMAC-SHA256, 32-byte MACs (STUN MESSAGE-INTEGRITY-SHA256, SRT SYN cookies). */
        SHA256("SHA-256", 32);

        private final String jcaName;
        private final int length;

        Algorithm(String jcaName, int length) {
            this.jcaName = jcaName;
            this.length = length;
        }

        /** The MAC length in bytes. */
        public int length() {
            return length;
        }

        MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                // every Java SE platform must provide SHA-1 and SHA-256 (MessageDigest javadoc)
                throw new IllegalStateException(jcaName + " is missing from this JRE", e);
            }
        }
    }

    private final Algorithm algorithm;
    private final MessageDigest digest;
    private final byte[] inner = new byte[32];
    private final byte[] chunk = new byte[1024];
    private HmacKey key;

    /** An HMAC of {@code algorithm}. */
    public Hmac(Algorithm algorithm) {
        this.algorithm = algorithm;
        this.digest = algorithm.newDigest();
    }

    /** Starts a MAC with {@code key} (of this instance's algorithm). */
    public Hmac start(HmacKey key) {
        if (key.algorithm != algorithm) {
            throw new IllegalArgumentException("a " + key.algorithm + " key for an HMAC-" + algorithm);
        }
        this.key = key;
        digest.reset();
        digest.update(key.inner, 0, HmacKey.BLOCK);
        return this;
    }

    /** Adds {@code bytes[offset, offset + length)}. */
    public Hmac update(byte[] bytes, int offset, int length) {
        digest.update(bytes, offset, length);
        return this;
    }

    /** Adds {@code buf[start, end)} (absolute indexes; position and limit untouched). */
    public Hmac update(ByteBuffer buf, int start, int end) {
        if (buf.hasArray()) {
            digest.update(buf.array(), buf.arrayOffset() + start, end - start);
            return this;
        }
        for (int at = start; at < end; ) {
            int n = Math.min(chunk.length, end - at);
            buf.get(at, chunk, 0, n);
            digest.update(chunk, 0, n);
            at += n;
        }
        return this;
    }

    /**
     * Finishes the MAC into {@code out[offset, offset + algorithm.length())}.
     *
     * @return the MAC length
     */
    public int finish(byte[] out, int offset) {
        int length = algorithm.length;
        try {
            digest.digest(inner, 0, length);
            digest.update(key.outer, 0, HmacKey.BLOCK);
            digest.update(inner, 0, length);
            digest.digest(out, offset, length);
        } catch (DigestException e) {
            throw new IllegalStateException("MAC output rejected by " + algorithm, e);
        }
        return length;
    }
}
