package dev.originproxy.rtmp.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC-SHA256 computations of the digest-form RTMP handshake, with the well-known Flash
 * Player and Flash Media Server keys (as in librtmp {@code handshake.h}, ffmpeg
 * {@code rtmpproto.c}, nginx-rtmp {@code ngx_rtmp_handshake.c}).
 *
 * <ul>
 *   <li>C1 digest: HMAC(FP key, first 30 bytes; C1 without its 32 digest bytes).
 *   <li>S1 digest: HMAC(FMS key, first 36 bytes; S1 without its digest bytes).
 *   <li>S2: its last 32 bytes are HMAC(HMAC(FMS key, all 68 bytes; C1 digest); S2[0..1504)).
 *   <li>C2: its last 32 bytes are HMAC(HMAC(FP key, all 62 bytes; S1 digest); C2[0..1504)).
 * </ul>
 *
 * <p>Not thread-safe (one {@link Mac} and one scratch array per instance): keep one per thread.
 * The handshake runs once per connection, so the copies into the scratch array do not matter.
 */
public final class HandshakeDigests {
    /** Length of a handshake packet (C1, S1, C2, S2). */
    public static final int PACKET_LENGTH = 1536;
    /** Length of one digest. */
    public static final int DIGEST_LENGTH = 32;

    private static final byte[] KEY_TAIL = {
        (byte) 0xF0, (byte) 0xEE, (byte) 0xC2, (byte) 0x4A, (byte) 0x80, (byte) 0x68, (byte) 0xBE,
        (byte) 0xE8, (byte) 0x2E, (byte) 0x00, (byte) 0xD0, (byte) 0xD1, (byte) 0x02, (byte) 0x9E,
        (byte) 0x7E, (byte) 0x57, (byte) 0x6E, (byte) 0xEC, (byte) 0x5D, (byte) 0x2D, (byte) 0x29,
        (byte) 0x80, (byte) 0x6F, (byte) 0xAB, (byte) 0x93, (byte) 0xB8, (byte) 0xE6, (byte) 0x36,
        (byte) 0xCF, (byte) 0xEB, (byte) 0x31, (byte) 0xAE,
    };
    /** "Genuine Adobe Flash Player 001" followed by the 32-byte tail (62 bytes). */
    private static final byte[] PLAYER_KEY = concat("Genuine Adobe Flash Player 001");
    /** "Genuine Adobe Flash Media Server 001" followed by the 32-byte tail (68 bytes). */
    private static final byte[] SERVER_KEY = concat("Genuine Adobe Flash Media Server 001");
    private static final int PLAYER_PARTIAL = 30;
    private static final int SERVER_PARTIAL = 36;

    private final Mac mac;
    private final byte[] scratch = new byte[PACKET_LENGTH];
    private final byte[] digest = new byte[DIGEST_LENGTH];

    /** Creates an instance; the JDK always has HmacSHA256. */
    public HandshakeDigests() {
        try {
            mac = Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing from the JDK", e);
        }
    }

    /**
     * Offset of the digest in a 1536-byte packet for a schema: {@code base} is 8 (schema 1) or
     * 772 (schema 0).
     */
    public static int digestOffset(ByteBuffer packet, int packetOffset, int base) {
        int sum = (packet.get(packetOffset + base) & 0xFF) + (packet.get(packetOffset + base + 1) & 0xFF)
                + (packet.get(packetOffset + base + 2) & 0xFF) + (packet.get(packetOffset + base + 3) & 0xFF);
        return sum % 728 + base + 4;
    }

    /**
     * Whether the packet carries a valid digest at {@code digestOffset}.
     *
     * @param client {@code true} for C1 (player key), {@code false} for S1 (server key)
     */
    public boolean hasValidDigest(ByteBuffer packet, int packetOffset, int digestOffset, boolean client) {
        packetDigest(packet, packetOffset, digestOffset, client, digest, 0);
        for (int i = 0; i < DIGEST_LENGTH; i++) {
            if (digest[i] != packet.get(packetOffset + digestOffset + i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Computes the C1/S1 digest of a packet (skipping the 32 bytes at {@code digestOffset}) into
     * {@code out[outOffset..outOffset+32)}.
     */
    public void packetDigest(ByteBuffer packet, int packetOffset, int digestOffset, boolean client,
            byte[] out, int outOffset) {
        copy(packet, packetOffset);
        init(client ? PLAYER_KEY : SERVER_KEY, client ? PLAYER_PARTIAL : SERVER_PARTIAL);
        mac.update(scratch, 0, digestOffset);
        mac.update(scratch, digestOffset + DIGEST_LENGTH, PACKET_LENGTH - digestOffset - DIGEST_LENGTH);
        doFinal(out, outOffset);
    }

    /**
     * Computes the signature a C2/S2 ends with: HMAC over its first 1504 bytes, keyed with
     * HMAC(full key, peerDigest).
     *
     * @param serverSide {@code true} for S2 (server key), {@code false} for C2 (player key)
     * @param peerDigest the 32-byte digest of the peer's C1 (for S2) or S1 (for C2)
     */
    public void responseSignature(ByteBuffer packet, int packetOffset, boolean serverSide,
            byte[] peerDigest, byte[] out, int outOffset) {
        byte[] full = serverSide ? SERVER_KEY : PLAYER_KEY;
        init(full, full.length);
        mac.update(peerDigest, 0, DIGEST_LENGTH);
        byte[] derived = new byte[DIGEST_LENGTH];
        doFinal(derived, 0);
        copy(packet, packetOffset);
        init(derived, DIGEST_LENGTH);
        mac.update(scratch, 0, PACKET_LENGTH - DIGEST_LENGTH);
        doFinal(out, outOffset);
    }

    /** Constant-time comparison of the 32 bytes at {@code index} with {@code expected}. */
    public static boolean digestEquals(ByteBuffer packet, int index, byte[] expected) {
        byte[] actual = new byte[DIGEST_LENGTH];
        packet.get(index, actual, 0, DIGEST_LENGTH);
        return MessageDigest.isEqual(actual, expected);
    }

    private void copy(ByteBuffer packet, int packetOffset) {
        packet.get(packetOffset, scratch, 0, PACKET_LENGTH);
    }

    private void init(byte[] key, int keyLength) {
        try {
            mac.init(new SecretKeySpec(key, 0, keyLength, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void doFinal(byte[] out, int outOffset) {
        try {
            mac.doFinal(out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(String head) {
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(h, h.length + KEY_TAIL.length);
        System.arraycopy(KEY_TAIL, 0, out, h.length, KEY_TAIL.length);
        return out;
    }
}
