package dev.originproxy.stun;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32;

/**
 * The per-thread hashing state shared by {@link StunVerifier} and {@link StunMessageWriter}:
 * HMAC-SHA1/HMAC-SHA256 (RFC 2104) on top of reused {@link MessageDigest}s, and CRC-32.
 *
 * <p>{@code javax.crypto.Mac.doFinal} allocates its result on every call, so HMAC is built here
 * from two digest passes over the key blocks precomputed by {@link StunIntegrityKey}. Bytes of a
 * heap buffer are hashed from its backing array; bytes of a direct (or read-only) buffer are
 * copied through a reused chunk with absolute gets, so the caller's position and limit are never
 * touched and nothing is allocated.
 *
 * <p>Not thread-safe: one instance per thread.
 */
final class StunCrypto {

    static final int SHA1_LENGTH = 20;
    static final int SHA256_LENGTH = 32;

    private final MessageDigest sha1 = digest("SHA-1");
    private final MessageDigest sha256 = digest("SHA-256");
    private final CRC32 crc = new CRC32();
    private final byte[] header = new byte[StunMessage.HEADER_LENGTH];
    private final byte[] chunk = new byte[1024];
    private final byte[] inner = new byte[SHA256_LENGTH];
    /** The result of the last {@link #hmac} call: 20 (SHA-1) or 32 (SHA-256) bytes. */
    final byte[] mac = new byte[SHA256_LENGTH];

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            // Every Java SE platform must provide SHA-1 and SHA-256 (MessageDigest javadoc).
            throw new IllegalStateException(algorithm + " is missing from this JRE", e);
        }
    }

    /**
     * Computes HMAC over the message bytes {@code [start, end)} of {@code buf} into {@link #mac},
     * with the header's length field replaced by {@code headerLength} (RFC 8489 §14.5, §14.6).
     * The caller guarantees {@code end - start >= 20} and that the range lies in the buffer.
     */
    boolean hmac(boolean useSha256, StunIntegrityKey key, ByteBuffer buf, int start, int end,
            int headerLength) {
        MessageDigest md = useSha256 ? sha256 : sha1;
        int macLength = useSha256 ? SHA256_LENGTH : SHA1_LENGTH;
        md.reset();
        md.update(useSha256 ? key.sha256Inner : key.sha1Inner, 0, StunIntegrityKey.BLOCK);
        buf.get(start, header, 0, StunMessage.HEADER_LENGTH);
        header[2] = (byte) (headerLength >>> 8);
        header[3] = (byte) headerLength;
        md.update(header, 0, StunMessage.HEADER_LENGTH);
        update(md, buf, start + StunMessage.HEADER_LENGTH, end);
        try {
            md.digest(inner, 0, macLength);
            md.update(useSha256 ? key.sha256Outer : key.sha1Outer, 0, StunIntegrityKey.BLOCK);
            md.update(inner, 0, macLength);
            md.digest(mac, 0, macLength);
            return true;
        } catch (DigestException e) {
            // Unreachable: the output arrays are always large enough.
            return false;
        }
    }

    /** CRC-32 (ISO-HDLC, the one FINGERPRINT uses) of {@code buf[start, end)}. */
    int crc32(ByteBuffer buf, int start, int end) {
        crc.reset();
        if (buf.hasArray()) {
            crc.update(buf.array(), buf.arrayOffset() + start, end - start);
        } else {
            for (int at = start; at < end; ) {
                int n = Math.min(chunk.length, end - at);
                buf.get(at, chunk, 0, n);
                crc.update(chunk, 0, n);
                at += n;
            }
        }
        return (int) crc.getValue();
    }

    private void update(MessageDigest md, ByteBuffer buf, int start, int end) {
        if (buf.hasArray()) {
            md.update(buf.array(), buf.arrayOffset() + start, end - start);
            return;
        }
        for (int at = start; at < end; ) {
            int n = Math.min(chunk.length, end - at);
            buf.get(at, chunk, 0, n);
            md.update(chunk, 0, n);
            at += n;
        }
    }
}
