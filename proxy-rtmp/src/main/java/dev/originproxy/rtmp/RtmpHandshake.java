package dev.originproxy.rtmp;

import java.nio.ByteBuffer;

import dev.originproxy.rtmp.internal.HandshakeDigests;
import dev.originproxy.core.wire.Wire;

/**
 * Flyweight over one 1536-byte RTMP handshake packet: C1 or C2 sent by a client, S1 or S2 sent
 * by a server (Adobe RTMP specification §5.2), in either {@link HandshakeForm}.
 *
 * <pre>
 *  C0/S0 (1 byte)   C1/S1 (1536 bytes)                          C2/S2 (1536 bytes)
 * +-+              +---------+---------+----------- ... ---+    +---------+---------+-- ... --+
 * |v|              |  time   | version |  random (1528)     |    |  time   |  time2  |  echo   |
 * +-+              +---------+---------+----------- ... ---+    +---------+---------+-- ... --+
 *  v = 3            0         4         8              1536      simple form: C2 = S1, S2 = C1
 *
 *  digest form, schema 1 (ffmpeg, librtmp FP9)    digest form, schema 0
 *   8        12       digest@off       772        772      776       digest@off      1536
 *   +--------+---- ... [32 bytes] ... --+          +--------+---- ... [32 bytes] ... --+
 *   | 4 bytes|                          |          | 4 bytes|                          |
 *   +--------+---- ... ------------ ----+          +--------+---- ... ----------------+
 *   off = sum(b[8..11]) % 728 + 12                 off = sum(b[772..775]) % 728 + 776
 *  digest form C2/S2: random (1504 bytes), then a 32-byte signature keyed with the peer's digest
 * </pre>
 *
 * <p>What real peers do, measured on loopback against nginx-rtmp 1.2.2 (libnginx-mod-rtmp,
 * nginx 1.22) with a byte-recording TCP tee (captures in {@code src/test/resources/captures}):
 * <ul>
 *   <li>ffmpeg 5.1 (native rtmp, publishing and playing): C1 version 9.0.124.2, digest schema 1
 *       (its C1 random is deterministic: ffmpeg seeds its generator with a constant). When
 *       publishing it answers with C2 = S1 echoed; when playing it sends a digest-form C2 and
 *       checks the server's S1 digest and S2 signature (a server that answers a digest client
 *       in the simple form with a version byte of 3 or more is refused by ffmpeg), so a
 *       digest-form client must get a digest-form answer.
 *   <li>rtmpdump/librtmp 2.4 by default: simple form (version 0, time = uptime) and C2 = S1 echo;
 *       with {@code -w/-x} (SWF verification) or RTMPE it switches to the FP9 form: version
 *       10.0.45.2, digest schema 1, digest-form C2.
 *   <li>nginx-rtmp as server: answers a version-0 C1 in the simple form (S1 version 0, S2 = C1
 *       echoed) and a digest C1 with S1 version 13.14.10.13, digest with the client's schema,
 *       and a signed S2. It does not check C2.
 *   <li>nginx-rtmp as a client ({@code push} to another server): C1 version 12.0.13.14,
 *       digest schema 1, signed C2.
 * </ul>
 * No peer observed used schema 0; it is still recognised (Flash Player variants did send it).
 * Detection therefore follows nginx-rtmp: version 0 is the simple form; otherwise schema 1, then
 * schema 0 is tried; a packet with a version but no valid digest is treated as simple.
 *
 * <p>Use: {@link #wrap(ByteBuffer, int, int)} (or {@link #wrapWithVersionByte}) the received
 * bytes, then read fields in place; {@link #detectForm(boolean)} validates the digest (an
 * HMAC over the packet, so it is not free: call it once per handshake).
 *
 * <p>Not thread-safe: keep one per thread (it holds an HMAC engine) and re-wrap per packet.
 */
public final class RtmpHandshake {
    /** C0/S0 value of plain RTMP. */
    public static final int VERSION_PLAIN = 3;
    /** C0/S0 value of RTMPE (encrypted), refused. */
    public static final int VERSION_ENCRYPTED = 6;
    /** Length of C1, S1, C2 and S2. */
    public static final int PACKET_LENGTH = HandshakeDigests.PACKET_LENGTH;
    /** Length of C0 + C1: what a server reads first. */
    public static final int C0_C1_LENGTH = 1 + PACKET_LENGTH;
    /** Length of S0 + S1 + S2: what a server answers with, and what a client reads first. */
    public static final int S0_S1_S2_LENGTH = 1 + 2 * PACKET_LENGTH;
    /** Length of an embedded digest. */
    public static final int DIGEST_LENGTH = HandshakeDigests.DIGEST_LENGTH;

    /** Offset of the sender's 32-bit time. */
    public static final int TIME_OFFSET = 0;
    /** Offset of the four zero bytes (simple form) or the sender's version (digest form). */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the random bytes of C1/S1. */
    public static final int RANDOM_OFFSET = 8;
    /** Offset of the 32-byte signature at the end of a digest-form C2/S2. */
    public static final int SIGNATURE_OFFSET = PACKET_LENGTH - DIGEST_LENGTH;

    static final int SCHEMA_1_BASE = 8;
    static final int SCHEMA_0_BASE = 772;

    private final FailureCounts<HandshakeFailure> failures;
    private HandshakeDigests digests;
    private ByteBuffer buffer;
    private int offset;
    private HandshakeFailure failure;
    private HandshakeForm form;
    private int digestOffset = -1;

    /** A flyweight that counts nothing. */
    public RtmpHandshake() {
        this(null);
    }

    /**
     * @param failures where failed wraps are counted per reason; {@code null} to count nothing
     */
    public RtmpHandshake(FailureCounts<HandshakeFailure> failures) {
        this.failures = failures;
    }

    /**
     * Checks a C0/S0 byte.
     *
     * @return {@code null} for {@link #VERSION_PLAIN}, otherwise why it is refused
     */
    public static HandshakeFailure checkVersionByte(int versionByte) {
        int v = versionByte & 0xFF;
        if (v == VERSION_PLAIN) {
            return null;
        }
        return v == VERSION_ENCRYPTED || v == 8 || v == 9
                ? HandshakeFailure.ENCRYPTED_VERSION : HandshakeFailure.UNSUPPORTED_VERSION;
    }

    /**
     * Points this flyweight at a 1536-byte handshake packet.
     *
     * @param buffer holds the packet; its position, limit and byte order are not changed
     * @param offset absolute index of the packet's first byte
     * @param length bytes available from {@code offset}; at least {@link #PACKET_LENGTH}
     * @return {@code false} (see {@link #failure()}) when fewer bytes are available
     */
    public boolean wrap(ByteBuffer buffer, int offset, int length) {
        form = null;
        digestOffset = -1;
        if (length < PACKET_LENGTH || !Wire.inBounds(buffer, offset, PACKET_LENGTH)) {
            return fail(HandshakeFailure.TRUNCATED);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.failure = null;
        return true;
    }

    /**
     * Checks the C0/S0 byte at {@code offset} and wraps the packet after it (C1 or S1).
     *
     * @return {@code false} (see {@link #failure()}) for a refused version byte or too few bytes
     */
    public boolean wrapWithVersionByte(ByteBuffer buffer, int offset, int length) {
        if (length < 1 || !Wire.inBounds(buffer, offset, 1)) {
            form = null;
            return fail(HandshakeFailure.TRUNCATED);
        }
        HandshakeFailure version = checkVersionByte(buffer.get(offset));
        if (version != null) {
            form = null;
            return fail(version);
        }
        return wrap(buffer, offset + 1, length - 1);
    }

    /** Why the last wrap failed, {@code null} after a successful one. */
    public HandshakeFailure failure() {
        return failure;
    }

    /** The wrapped buffer. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Absolute index of the packet's first byte. */
    public int offset() {
        return offset;
    }

    /** The sender's time field (unsigned 32 bits, as an int). */
    public int time() {
        return Wire.getInt(buffer, offset + TIME_OFFSET);
    }

    /** The version field: 0 in the simple form, e.g. {@code 0x09007C02} (9.0.124.2) from ffmpeg. */
    public int version() {
        return Wire.getInt(buffer, offset + VERSION_OFFSET);
    }

    /**
     * Finds out which form the packet is in by validating its digest (see the class comment for
     * the rule). The result is remembered until the next wrap.
     *
     * @param sentByClient {@code true} for C1 (Flash Player key), {@code false} for S1 (Flash
     *     Media Server key)
     */
    public HandshakeForm detectForm(boolean sentByClient) {
        if (form != null) {
            return form;
        }
        if (version() == 0) {
            return form = HandshakeForm.SIMPLE;
        }
        HandshakeDigests d = digests();
        int at = HandshakeDigests.digestOffset(buffer, offset, SCHEMA_1_BASE);
        if (d.hasValidDigest(buffer, offset, at, sentByClient)) {
            digestOffset = at;
            return form = HandshakeForm.DIGEST_SCHEMA_1;
        }
        at = HandshakeDigests.digestOffset(buffer, offset, SCHEMA_0_BASE);
        if (d.hasValidDigest(buffer, offset, at, sentByClient)) {
            digestOffset = at;
            return form = HandshakeForm.DIGEST_SCHEMA_0;
        }
        return form = HandshakeForm.SIMPLE;
    }

    /**
     * Offset of the embedded digest inside the packet, or -1 when {@link #detectForm(boolean)}
     * found none (or was not called).
     */
    public int digestOffset() {
        return digestOffset;
    }

    /**
     * Copies the embedded digest (found by {@link #detectForm(boolean)}) into {@code out}.
     *
     * @return {@code false} when the packet has no digest
     */
    public boolean copyDigest(byte[] out) {
        if (digestOffset < 0 || out.length < DIGEST_LENGTH) {
            return false;
        }
        buffer.get(offset + digestOffset, out, 0, DIGEST_LENGTH);
        return true;
    }

    /**
     * Checks the signature at the end of a digest-form C2 or S2.
     *
     * @param sentByServer {@code true} for S2 (signed with the server key), {@code false} for C2
     * @param ownDigest the digest of the packet this one answers: our C1's (checking S2) or our
     *     S1's (checking C2)
     * @return {@code true} when the signature matches; otherwise counted as
     *     {@link HandshakeFailure#DIGEST_MISMATCH}
     */
    public boolean verifySignature(boolean sentByServer, byte[] ownDigest) {
        byte[] expected = new byte[DIGEST_LENGTH];
        digests().responseSignature(buffer, offset, sentByServer, ownDigest, expected, 0);
        if (HandshakeDigests.digestEquals(buffer, offset + SIGNATURE_OFFSET, expected)) {
            return true;
        }
        fail(HandshakeFailure.DIGEST_MISMATCH);
        return false;
    }

    /** Whether the packet equals the 1536 bytes at {@code otherOffset} (a simple-form echo). */
    public boolean isEchoOf(ByteBuffer other, int otherOffset) {
        if (!Wire.inBounds(other, otherOffset, PACKET_LENGTH)) {
            return false;
        }
        return buffer.slice(offset, PACKET_LENGTH).equals(other.slice(otherOffset, PACKET_LENGTH));
    }

    HandshakeDigests digests() {
        if (digests == null) {
            digests = new HandshakeDigests();
        }
        return digests;
    }

    private boolean fail(HandshakeFailure reason) {
        failure = reason;
        if (failures != null) {
            failures.increment(reason);
        }
        return false;
    }
}
