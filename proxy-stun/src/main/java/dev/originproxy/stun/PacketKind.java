package dev.originproxy.stun;

import java.nio.ByteBuffer;

/**
 * What a datagram arriving on a WebRTC media port is, told by its first byte (RFC 7983, which
 * updates the demultiplexing rules of RFC 5764 §5.1.2): one UDP port carries STUN, ZRTP, DTLS, TURN channel data and
 * RTP/RTCP at once.
 *
 * <p>Enum constants are shared, so classifying allocates nothing. Thread-safe.
 */
public enum PacketKind {
    /** First byte 0-3: STUN (RFC 8489). */
    STUN,
    /** First byte 16-19: ZRTP (RFC 6189). */
    ZRTP,
    /** First byte 20-63: DTLS (RFC 6347, RFC 9147). */
    DTLS,
    /** First byte 64-79: TURN channel data (RFC 8656 §12). */
    TURN_CHANNEL,
    /** First byte 128-191: RTP or RTCP (RFC 3550), SRTP or SRTCP once keyed. */
    RTP_RTCP,
    /** Any other first byte, or no byte at all: drop it. */
    UNKNOWN;

    /**
     * Classifies a datagram by its first byte.
     *
     * @param first the first byte of the datagram
     * @return its kind
     */
    public static PacketKind classify(byte first) {
        int b = first & 0xFF;
        if (b <= 3) {
            return STUN;
        }
        if (b >= 16 && b <= 19) {
            return ZRTP;
        }
        if (b >= 20 && b <= 63) {
            return DTLS;
        }
        if (b >= 64 && b <= 79) {
            return TURN_CHANNEL;
        }
        if (b >= 128 && b <= 191) {
            return RTP_RTCP;
        }
        return UNKNOWN;
    }

    /**
     * Classifies a datagram held in a buffer, reading the byte at an absolute index.
     *
     * @param buf the buffer
     * @param offset absolute index of the datagram's first byte
     * @return its kind; {@link #UNKNOWN} if the buffer is null or the index is not below its
     *     limit
     */
    public static PacketKind classify(ByteBuffer buf, int offset) {
        if (buf == null || offset < 0 || offset >= buf.limit()) {
            return UNKNOWN;
        }
        return classify(buf.get(offset));
    }
}
