package dev.originproxy.rtmp;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.random.RandomGenerator;

import dev.originproxy.rtmp.internal.HandshakeDigests;
import dev.originproxy.core.wire.Wire;

/**
 * Writes the handshake packets of both roles (Adobe RTMP specification §5.2; the digest form as
 * librtmp, ffmpeg and nginx-rtmp write it, see {@link RtmpHandshake}):
 * <ul>
 *   <li>server: {@link #writeServerHello} answers a client's C1 with S0+S1+S2 in the form the
 *       client used (simple: S1 without version, S2 = C1; digest: S1 digest with the client's
 *       schema, S2 signed with the client's digest);
 *   <li>client: {@link #writeClientHello} writes C0+C1, {@link #writeClientAck} answers S1
 *       with C2 (signed when S1 carries a server digest, an echo of S1 otherwise).
 * </ul>
 * Every method checks the room it needs first and returns -1 without writing when there is not
 * enough; the buffer's position, limit and byte order are not changed.
 *
 * <p>Not thread-safe (random source, HMAC engine, scratch arrays): keep one per thread.
 */
public final class RtmpHandshakeWriter {
    /** Version this proxy puts in a digest-form S1: Flash Media Server 4.5.0.1. */
    public static final int SERVER_VERSION = 0x04050001;
    /** Version this proxy puts in a digest-form C1: Flash Player 9.0.124.2, as ffmpeg does. */
    public static final int CLIENT_VERSION = 0x09007C02;

    private final RandomGenerator random;
    private final HandshakeDigests digests = new HandshakeDigests();
    private final byte[] scratch = new byte[RtmpHandshake.PACKET_LENGTH];
    private final byte[] peerDigest = new byte[RtmpHandshake.DIGEST_LENGTH];

    /** A writer whose random bytes come from a {@link SecureRandom}. */
    public RtmpHandshakeWriter() {
        this(new SecureRandom());
    }

    /**
     * @param random source of the packets' random bytes (a fixed seed makes tests repeatable)
     */
    public RtmpHandshakeWriter(RandomGenerator random) {
        this.random = random;
    }

    /**
     * Writes S0+S1+S2 ({@link RtmpHandshake#S0_S1_S2_LENGTH} bytes) answering a client's C1.
     *
     * @param c1 the client's C1, wrapped; its form is detected here if not yet
     * @param time the server's time for S1 (milliseconds, any epoch)
     * @return bytes written, or -1 when {@code capacity} or the buffer's limit is too small
     */
    public int writeServerHello(RtmpHandshake c1, int time, ByteBuffer dst, int offset, int capacity) {
        int length = RtmpHandshake.S0_S1_S2_LENGTH;
        if (capacity < length || !Wire.inBounds(dst, offset, length)) {
            return -1;
        }
        HandshakeForm form = c1.detectForm(true);
        dst.put(offset, (byte) RtmpHandshake.VERSION_PLAIN);
        int s1 = offset + 1;
        int s2 = s1 + RtmpHandshake.PACKET_LENGTH;
        if (!form.hasDigest()) {
            writeRandomPacket(dst, s1, time, 0);
            copyPacket(c1.buffer(), c1.offset(), dst, s2);
            return length;
        }
        writeDigestPacket(dst, s1, time, SERVER_VERSION, form, false);
        c1.copyDigest(peerDigest);
        writeSignedPacket(dst, s2, true);
        return length;
    }

    /**
     * Writes C0+C1 ({@link RtmpHandshake#C0_C1_LENGTH} bytes). Keep the C1 bytes until S2 has
     * arrived if S2 is to be checked ({@link RtmpHandshake#verifySignature}).
     *
     * @param form {@link HandshakeForm#SIMPLE} (what librtmp sends by default, accepted by every
     *     server) or a digest form (what ffmpeg sends)
     * @return bytes written, or -1 when there is not enough room
     */
    public int writeClientHello(HandshakeForm form, int time, ByteBuffer dst, int offset, int capacity) {
        int length = RtmpHandshake.C0_C1_LENGTH;
        if (capacity < length || !Wire.inBounds(dst, offset, length)) {
            return -1;
        }
        dst.put(offset, (byte) RtmpHandshake.VERSION_PLAIN);
        if (form.hasDigest()) {
            writeDigestPacket(dst, offset + 1, time, CLIENT_VERSION, form, true);
        } else {
            writeRandomPacket(dst, offset + 1, time, 0);
        }
        return length;
    }

    /**
     * Writes C2 ({@link RtmpHandshake#PACKET_LENGTH} bytes) answering a server's S1: signed with
     * S1's digest when S1 carries a valid server digest (what ffmpeg does when playing), the S1
     * echoed otherwise.
     *
     * @return bytes written, or -1 when there is not enough room
     */
    public int writeClientAck(RtmpHandshake s1, ByteBuffer dst, int offset, int capacity) {
        int length = RtmpHandshake.PACKET_LENGTH;
        if (capacity < length || !Wire.inBounds(dst, offset, length)) {
            return -1;
        }
        if (s1.detectForm(false).hasDigest()) {
            s1.copyDigest(peerDigest);
            writeSignedPacket(dst, offset, false);
        } else {
            copyPacket(s1.buffer(), s1.offset(), dst, offset);
        }
        return length;
    }

    private void writeRandomPacket(ByteBuffer dst, int at, int time, int version) {
        random.nextBytes(scratch);
        dst.put(at, scratch, 0, RtmpHandshake.PACKET_LENGTH);
        Wire.putInt(dst, at + RtmpHandshake.TIME_OFFSET, time);
        Wire.putInt(dst, at + RtmpHandshake.VERSION_OFFSET, version);
    }

    private void writeDigestPacket(ByteBuffer dst, int at, int time, int version, HandshakeForm form,
            boolean client) {
        writeRandomPacket(dst, at, time, version);
        int base = form == HandshakeForm.DIGEST_SCHEMA_0 ? RtmpHandshake.SCHEMA_0_BASE : RtmpHandshake.SCHEMA_1_BASE;
        int digestAt = HandshakeDigests.digestOffset(dst, at, base);
        digests.packetDigest(dst, at, digestAt, client, scratch, 0);
        dst.put(at + digestAt, scratch, 0, RtmpHandshake.DIGEST_LENGTH);
    }

    private void writeSignedPacket(ByteBuffer dst, int at, boolean serverSide) {
        random.nextBytes(scratch);
        dst.put(at, scratch, 0, RtmpHandshake.PACKET_LENGTH);
        digests.responseSignature(dst, at, serverSide, peerDigest, scratch, 0);
        dst.put(at + RtmpHandshake.SIGNATURE_OFFSET, scratch, 0, RtmpHandshake.DIGEST_LENGTH);
    }

    private static void copyPacket(ByteBuffer src, int srcOffset, ByteBuffer dst, int dstOffset) {
        dst.put(dstOffset, src, srcOffset, RtmpHandshake.PACKET_LENGTH);
    }
}
