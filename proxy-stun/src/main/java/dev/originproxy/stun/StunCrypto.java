package dev.originproxy.stun;

import dev.originproxy.core.crypto.Hmac;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * The per-thread hashing state shared by {@link StunVerifier} and {@link StunMessageWriter}:
 * HMAC-SHA1/HMAC-SHA256 (RFC 2104) through core's allocation-free {@link Hmac} over the key
 * blocks precomputed by {@link StunIntegrityKey}, and CRC-32. Bytes of a direct (or read-only)
 * buffer are copied through a reused chunk with absolute gets, so the caller's position and limit
 * are never touched and nothing is allocated.
 *
 * <p>Not thread-safe: one instance per thread.
 */
final class StunCrypto {

    static final int SHA1_LENGTH = 20;
    static final int SHA256_LENGTH = 32;

    private final Hmac sha1 = new Hmac(Hmac.Algorithm.SHA1);
    private final Hmac sha256 = new Hmac(Hmac.Algorithm.SHA256);
    private final CRC32 crc = new CRC32();
    private final byte[] header = new byte[StunMessage.HEADER_LENGTH];
    private final byte[] chunk = new byte[1024];
    /** The result of the last {@link #hmac} call: 20 (SHA-1) or 32 (SHA-256) bytes. */
    final byte[] mac = new byte[SHA256_LENGTH];

    /**
     * Computes HMAC over the message bytes {@code [start, end)} of {@code buf} into {@link #mac},
     * with the header's length field replaced by {@code headerLength} (RFC 8489 §14.5, §14.6).
     * The caller guarantees {@code end - start >= 20} and that the range lies in the buffer.
     */
    boolean hmac(boolean useSha256, StunIntegrityKey key, ByteBuffer buf, int start, int end,
            int headerLength) {
        Hmac h = useSha256 ? sha256 : sha1;
        h.start(useSha256 ? key.sha256 : key.sha1);
        buf.get(start, header, 0, StunMessage.HEADER_LENGTH);
        header[2] = (byte) (headerLength >>> 8);
        header[3] = (byte) headerLength;
        h.update(header, 0, StunMessage.HEADER_LENGTH);
        h.update(buf, start + StunMessage.HEADER_LENGTH, end);
        h.finish(mac, 0);
        return true;
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
}
