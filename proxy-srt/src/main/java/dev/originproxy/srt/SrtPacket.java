package dev.originproxy.srt;

import java.nio.ByteBuffer;

import dev.originproxy.core.wire.Wire;

/**
 * Flyweight over the 16-byte header every SRT packet starts with ({@code draft-sharabayko-srt}
 * §3 "Packet Structure"): the packet type flag, then for data packets (§3.1) the sequence number
 * and message flags, for control packets (§3.2) the control type, subtype and type-specific
 * information; then the timestamp and the destination socket id that a router dispatches on.
 *
 * <p>Use: {@link #wrap(ByteBuffer, int, int)} a received datagram, check the return value, then
 * read fields in place. Nothing is copied and nothing is allocated; the buffer's position, limit
 * and byte order are left untouched. {@link #setDestinationSocketId(int)} and
 * {@link #setTimestamp(int)} rewrite the header in place (the buffer must be writable).
 *
 * <p>Threading: an instance is mutable and not thread-safe; keep one per event-loop thread and
 * re-wrap it per datagram.
 */
public final class SrtPacket {
    /** Length of the SRT header in bytes (§3). */
    public static final int HEADER_LENGTH = 16;

    /** Control type HANDSHAKE (§3.2.1). */
    public static final int CONTROL_HANDSHAKE = 0x0000;
    /** Control type KEEPALIVE (§3.2.3). */
    public static final int CONTROL_KEEPALIVE = 0x0001;
    /** Control type ACK (§3.2.4). */
    public static final int CONTROL_ACK = 0x0002;
    /** Control type NAK (§3.2.5). */
    public static final int CONTROL_NAK = 0x0003;
    /** Control type Congestion Warning (§3.2.6). */
    public static final int CONTROL_CONGESTION_WARNING = 0x0004;
    /** Control type SHUTDOWN (§3.2.7). */
    public static final int CONTROL_SHUTDOWN = 0x0005;
    /** Control type ACKACK (§3.2.8). */
    public static final int CONTROL_ACKACK = 0x0006;
    /** Control type DROPREQ, message drop request (§3.2.9). */
    public static final int CONTROL_DROPREQ = 0x0007;
    /** Control type PEERERROR (§3.2.10). */
    public static final int CONTROL_PEERERROR = 0x0008;
    /** Control type user-defined; the subtype says which (§3.2). */
    public static final int CONTROL_USER = 0x7FFF;

    /** Packet position flag: middle packet of a message (§3.1, PP = 0b00). */
    public static final int POSITION_MIDDLE = 0b00;
    /** Packet position flag: last packet of a message (§3.1, PP = 0b01). */
    public static final int POSITION_LAST = 0b01;
    /** Packet position flag: first packet of a message (§3.1, PP = 0b10). */
    public static final int POSITION_FIRST = 0b10;
    /** Packet position flag: the message fits in this one packet (§3.1, PP = 0b11). */
    public static final int POSITION_SINGLE = 0b11;

    private static final int CONTROL_FLAG = 0x80000000;

    private ByteBuffer buffer;
    private int offset;
    private int length;

    /**
     * Points this flyweight at one SRT packet.
     *
     * @param buffer the buffer holding the datagram; its position and limit are not changed
     * @param offset absolute index of the first header byte
     * @param length number of bytes of the datagram
     * @return {@code false} (and the flyweight unusable) when the range is outside the buffer's
     *     limit or shorter than {@link #HEADER_LENGTH}
     */
    public boolean wrap(ByteBuffer buffer, int offset, int length) {
        if (!Wire.inBounds(buffer, offset, length) || length < HEADER_LENGTH) {
            this.buffer = null;
            this.length = 0;
            return false;
        }
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return true;
    }

    /** The wrapped buffer. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Absolute index of the first header byte in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    /** Length of the wrapped packet, header included. */
    public int length() {
        return length;
    }

    /** {@code true} for a control packet (F bit set), {@code false} for a data packet. */
    public boolean isControl() {
        return (word0() & CONTROL_FLAG) != 0;
    }

    /** {@code true} for a HANDSHAKE control packet. */
    public boolean isHandshake() {
        return isControl() && controlType() == CONTROL_HANDSHAKE;
    }

    /** Control type (15 bits), for example {@link #CONTROL_SHUTDOWN}; meaningless for data. */
    public int controlType() {
        return (word0() >>> 16) & 0x7FFF;
    }

    /** Control subtype (16 bits); meaningful for {@link #CONTROL_USER} only. */
    public int subtype() {
        return word0() & 0xFFFF;
    }

    /** Type-specific information of a control packet (second header word). */
    public int typeSpecificInfo() {
        return Wire.getInt(buffer, offset + 4);
    }

    /** Packet sequence number of a data packet (31 bits). */
    public int sequenceNumber() {
        return word0() & 0x7FFFFFFF;
    }

    /** Packet position flag PP of a data packet, one of the {@code POSITION_*} values. */
    public int packetPosition() {
        return (Wire.getInt(buffer, offset + 4) >>> 30) & 0b11;
    }

    /** Order flag O of a data packet: the message must be delivered in order. */
    public boolean inOrder() {
        return (Wire.getInt(buffer, offset + 4) & (1 << 29)) != 0;
    }

    /** Key-based encryption flag KK of a data packet: 0 clear, 1 even key, 2 odd key. */
    public int encryptionKeyFlag() {
        return (Wire.getInt(buffer, offset + 4) >>> 27) & 0b11;
    }

    /** Retransmitted packet flag R of a data packet. */
    public boolean retransmitted() {
        return (Wire.getInt(buffer, offset + 4) & (1 << 26)) != 0;
    }

    /** Message number of a data packet (26 bits). */
    public int messageNumber() {
        return Wire.getInt(buffer, offset + 4) & 0x03FFFFFF;
    }

    /** Timestamp in microseconds since the sender's socket started (unsigned 32 bits). */
    public int timestamp() {
        return Wire.getInt(buffer, offset + 8);
    }

    /** Rewrites the timestamp in place. */
    public void setTimestamp(int timestamp) {
        Wire.putInt(buffer, offset + 8, timestamp);
    }

    /** Destination SRT socket id; 0 in a caller's first handshakes. */
    public int destinationSocketId() {
        return Wire.getInt(buffer, offset + 12);
    }

    /** Rewrites the destination socket id in place (a router maps ids between its two legs). */
    public void setDestinationSocketId(int socketId) {
        Wire.putInt(buffer, offset + 12, socketId);
    }

    /**
     * Writes a control packet header (§3.2) into {@code buffer}; the control information field
     * that follows is the caller's to write.
     *
     * @return {@link #HEADER_LENGTH}, or -1 if {@code capacity} or the buffer's limit is too small
     */
    public static int writeControlHeader(ByteBuffer buffer, int offset, int capacity,
            int controlType, int subtype, int typeSpecificInfo, int timestamp,
            int destinationSocketId) {
        if (capacity < HEADER_LENGTH || !Wire.inBounds(buffer, offset, HEADER_LENGTH)) {
            return -1;
        }
        Wire.putInt(buffer, offset, CONTROL_FLAG | (controlType & 0x7FFF) << 16 | (subtype & 0xFFFF));
        Wire.putInt(buffer, offset + 4, typeSpecificInfo);
        Wire.putInt(buffer, offset + 8, timestamp);
        Wire.putInt(buffer, offset + 12, destinationSocketId);
        return HEADER_LENGTH;
    }

    private int word0() {
        return Wire.getInt(buffer, offset);
    }
}
