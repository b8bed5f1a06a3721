package dev.originproxy.rtmp;

import dev.originproxy.core.wire.Wire;

/**
 * Reads the payloads of protocol control messages (Adobe RTMP specification §5.4) and User
 * Control messages (§6.2, §7.1.7) in place; {@link ChunkStreamEncoder} writes them.
 *
 * <pre>
 *  Set Chunk Size (1), Abort (2), Acknowledgement (3), Window Ack Size (5): one 32-bit value
 *  +--------------------------------+
 *  | value (32 bits, big-endian)    |     Set Chunk Size: top bit 0, 1..0x7FFFFFFF
 *  +--------------------------------+
 *  Set Peer Bandwidth (6): window (32 bits) | limit type (8 bits)
 *  User Control (4): event type (16 bits) | event data (32 bits; Set Buffer Length: 2 x 32 bits)
 * </pre>
 *
 * <p>Every reader checks the payload length and answers -1 for a payload too short. Stateless and
 * thread-safe.
 */
public final class RtmpControl {
    /** User Control event Stream Begin (§7.1.7). */
    public static final int EVENT_STREAM_BEGIN = 0;
    /** User Control event Stream EOF. */
    public static final int EVENT_STREAM_EOF = 1;
    /** User Control event Stream Dry. */
    public static final int EVENT_STREAM_DRY = 2;
    /** User Control event Set Buffer Length: stream id and buffer length in ms. */
    public static final int EVENT_SET_BUFFER_LENGTH = 3;
    /** User Control event Stream Is Recorded. */
    public static final int EVENT_STREAM_IS_RECORDED = 4;
    /** User Control event Ping Request: a timestamp to echo. */
    public static final int EVENT_PING_REQUEST = 6;
    /** User Control event Ping Response: the echoed timestamp. */
    public static final int EVENT_PING_RESPONSE = 7;

    /** Set Peer Bandwidth limit type Hard (§5.4.5). */
    public static final int LIMIT_HARD = 0;
    /** Set Peer Bandwidth limit type Soft. */
    public static final int LIMIT_SOFT = 1;
    /** Set Peer Bandwidth limit type Dynamic. */
    public static final int LIMIT_DYNAMIC = 2;
    private RtmpControl() {
    }

    /**
     * The 32-bit value of Set Chunk Size, Abort, Acknowledgement or Window Acknowledgement
     * Size, as an unsigned value in a long.
     *
     * @return the value, or -1 when the payload is shorter than 4 bytes
     */
    public static long value(RtmpMessage message) {
        if (message.length() < 4) {
            return -1;
        }
        return Integer.toUnsignedLong(Wire.getInt(message.buffer(), message.offset()));
    }

    /** The limit type of Set Peer Bandwidth, or -1 when the payload is shorter than 5 bytes. */
    public static int peerBandwidthLimitType(RtmpMessage message) {
        if (message.length() < 5) {
            return -1;
        }
        return Wire.getUnsignedByte(message.buffer(), message.offset() + 4);
    }

    /** The event type of a User Control message, or -1 when the payload is shorter than 2 bytes. */
    public static int userControlEvent(RtmpMessage message) {
        if (message.length() < 2) {
            return -1;
        }
        return Wire.getUnsignedShort(message.buffer(), message.offset());
    }

    /**
     * The first 32-bit event datum of a User Control message (the stream id, or the ping
     * timestamp), as an unsigned value in a long.
     *
     * @return the value, or -1 when the payload is shorter than 6 bytes
     */
    public static long userControlValue(RtmpMessage message) {
        if (message.length() < 6) {
            return -1;
        }
        return Integer.toUnsignedLong(Wire.getInt(message.buffer(), message.offset() + 2));
    }

    /**
     * The buffer length in ms of a Set Buffer Length event (its second datum).
     *
     * @return the value, or -1 when the payload is shorter than 10 bytes
     */
    public static long bufferLength(RtmpMessage message) {
        if (message.length() < 10) {
            return -1;
        }
        return Integer.toUnsignedLong(Wire.getInt(message.buffer(), message.offset() + 6));
    }
}
