package dev.originproxy.rtmp;

/**
 * The two forms of the RTMP handshake's C1/S1 packet.
 *
 * <p>The <em>simple</em> form is the one of the Adobe RTMP specification (§5.2.3): time, four zero
 * bytes, random bytes; the peer echoes the packet as C2/S2. The <em>digest</em> form is what
 * Flash Player 9 and later, librtmp in FP9 mode and ffmpeg send: the four bytes after the time
 * are a version, and an HMAC-SHA256 digest keyed with the "Genuine Adobe Flash Player 001" (client)
 * or "Genuine Adobe Flash Media Server 001" (server) key is embedded at an offset derived from
 * four bytes of the packet. Two layouts ("schemas", named as SRS names them) exist; they differ
 * only in which 764-byte block holds the digest.
 *
 * <p>Immutable, thread-safe.
 */
public enum HandshakeForm {
    /** Adobe specification form: no digest, the answer echoes the packet. */
    SIMPLE,
    /**
     * Digest in the second 764-byte block (bytes 772..1535); its offset is
     * {@code (b[772] + b[773] + b[774] + b[775]) % 728 + 776}.
     */
    DIGEST_SCHEMA_0,
    /**
     * Digest in the first 764-byte block (bytes 8..771); its offset is
     * {@code (b[8] + b[9] + b[10] + b[11]) % 728 + 12}. ffmpeg and librtmp send this one.
     */
    DIGEST_SCHEMA_1;

    /** {@code true} for the two digest forms. */
    public boolean hasDigest() {
        return this != SIMPLE;
    }
}
