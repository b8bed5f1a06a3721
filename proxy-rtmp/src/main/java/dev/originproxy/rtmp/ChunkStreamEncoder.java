package dev.originproxy.rtmp;

import java.nio.ByteBuffer;

import dev.originproxy.core.wire.Wire;

/**
 * Cuts messages into chunks at this side's chunk size (Adobe RTMP specification §5.3), one
 * instance per connection and direction; the wire format is drawn in {@link ChunkStreamDecoder}.
 *
 * <p>Header compression per chunk stream: the first message and any message whose stream id
 * changes or whose timestamp goes backwards get a type-0 header; a message of another length or
 * type a type-1 header; otherwise a type-2 header (timestamp delta only). Continuation chunks are
 * type 3. A new message never starts with a type-3 chunk: readers disagree on the delta such a
 * chunk implies after a type-0 header (librtmp and ffmpeg reuse the previous timestamp field,
 * nginx-rtmp takes 0), and the saving is 3 bytes per message. A timestamp (or delta) of
 * 0xFFFFFF or more goes into an extended timestamp, which is repeated on every type-3
 * continuation chunk of the message, as ffmpeg, librtmp and nginx-rtmp expect.
 *
 * <p>Every write checks its room first and writes nothing (returns -1) when the destination is
 * too small; {@link #encodedLength} says how much room a message needs. The destination
 * buffer's position, limit and byte order are not changed. Nothing is allocated per message.
 *
 * <p>Not thread-safe: one instance per connection, used by that connection's event-loop thread.
 */
public final class ChunkStreamEncoder {
    /** Largest chunk size this encoder uses: the longest message there can be (§5.4.1). */
    public static final int MAX_CHUNK_SIZE = 0xFFFFFF;
    /** Chunk stream the protocol control messages travel on (§5.4). */
    public static final int CONTROL_CHUNK_STREAM_ID = 2;
    /** Smallest chunk stream id a message can use (0 and 1 select longer basic headers). */
    public static final int MIN_CHUNK_STREAM_ID = 2;
    /** Largest chunk stream id (3-byte basic header). */
    public static final int MAX_CHUNK_STREAM_ID = 65599;

    private static final int TIMESTAMP_FIELD_EXTENDED = 0xFFFFFF;
    private static final int TRACKED_CHUNK_STREAMS = 16;

    private final int[] csids = new int[TRACKED_CHUNK_STREAMS];
    private final int[] typeIds = new int[TRACKED_CHUNK_STREAMS];
    private final int[] streamIds = new int[TRACKED_CHUNK_STREAMS];
    private final int[] timestamps = new int[TRACKED_CHUNK_STREAMS];
    private final int[] lengths = new int[TRACKED_CHUNK_STREAMS];
    private int tracked;
    private int chunkSize = ChunkStreamDecoder.DEFAULT_CHUNK_SIZE;
    private final ByteBuffer control = ByteBuffer.allocate(10);

    // Outcome of the last plan(): header type, timestamp field value, index of the tracked state.
    private int plannedFmt;
    private int plannedField;
    private int plannedSlot;

    /** An encoder at the default chunk size of 128. */
    public ChunkStreamEncoder() {
    }

    /** The chunk size messages are cut at. */
    public int chunkSize() {
        return chunkSize;
    }

    /**
     * Changes the chunk size for the messages encoded from now on. The peer must be told first:
     * {@link #writeSetChunkSize} does both.
     *
     * @param size 1 to {@link #MAX_CHUNK_SIZE}
     */
    public void setChunkSize(int size) {
        if (size < 1 || size > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk size must be 1.." + MAX_CHUNK_SIZE + ": " + size);
        }
        chunkSize = size;
    }

    /**
     * The exact number of bytes {@link #encode} would write for this message now.
     */
    public int encodedLength(int chunkStreamId, int typeId, int streamId, int timestamp, int payloadLength) {
        checkChunkStreamId(chunkStreamId);
        plan(chunkStreamId, typeId, streamId, timestamp, payloadLength);
        return length(chunkStreamId, payloadLength);
    }

    /**
     * Chunks one message into {@code dst}.
     *
     * @param chunkStreamId 2..65599 (audio, video and commands usually travel on separate ones)
     * @param timestamp absolute timestamp in ms (unsigned 32 bits)
     * @param payload holds the payload at {@code payloadOffset}, {@code payloadLength} bytes
     * @return bytes written, or -1 (nothing written, state unchanged) when {@code capacity} or
     *     {@code dst}'s limit is too small
     * @throws IllegalArgumentException for a chunk stream id outside 2..65599 or a payload longer
     *     than 16,777,215 bytes (caller bugs)
     */
    public int encode(int chunkStreamId, int typeId, int streamId, int timestamp,
            ByteBuffer payload, int payloadOffset, int payloadLength,
            ByteBuffer dst, int offset, int capacity) {
        checkChunkStreamId(chunkStreamId);
        if (payloadLength < 0 || payloadLength > ChunkStreamLimits.MAX_MESSAGE_LENGTH_FIELD
                || !Wire.inBounds(payload, payloadOffset, payloadLength)) {
            throw new IllegalArgumentException("payload range " + payloadOffset + "+" + payloadLength);
        }
        plan(chunkStreamId, typeId, streamId, timestamp, payloadLength);
        int total = length(chunkStreamId, payloadLength);
        if (capacity < total || !Wire.inBounds(dst, offset, total)) {
            return -1;
        }
        int fmt = plannedFmt;
        int field = plannedField;
        boolean extended = Integer.compareUnsigned(field, TIMESTAMP_FIELD_EXTENDED) >= 0;
        int at = writeBasicHeader(dst, offset, fmt, chunkStreamId);
        if (fmt <= 2) {
            Wire.putMedium(dst, at, extended ? TIMESTAMP_FIELD_EXTENDED : field);
            at += 3;
        }
        if (fmt <= 1) {
            Wire.putMedium(dst, at, payloadLength);
            dst.put(at + 3, (byte) typeId);
            at += 4;
        }
        if (fmt == 0) {
            Wire.putIntLittleEndian(dst, at, streamId);
            at += 4;
        }
        if (extended) {
            Wire.putInt(dst, at, field);
            at += 4;
        }
        int sent = 0;
        while (true) {
            int n = Math.min(chunkSize, payloadLength - sent);
            dst.put(at, payload, payloadOffset + sent, n);
            at += n;
            sent += n;
            if (sent >= payloadLength) {
                break;
            }
            at = writeBasicHeader(dst, at, 3, chunkStreamId);
            if (extended) {
                Wire.putInt(dst, at, field);
                at += 4;
            }
        }
        remember(chunkStreamId, typeId, streamId, timestamp, payloadLength);
        return at - offset;
    }

    /**
     * Chunks {@code message} on its own chunk stream id (a relay re-chunking what a
     * {@link ChunkStreamDecoder} delivered, after mapping the stream id with {@link RtmpMessage#set}).
     *
     * @return bytes written, or -1 when there is not enough room
     */
    public int encode(RtmpMessage message, ByteBuffer dst, int offset, int capacity) {
        return encode(message.chunkStreamId(), message.typeId(), message.streamId(), message.timestamp(),
                message.buffer(), message.offset(), message.length(), dst, offset, capacity);
    }

    /**
     * Writes Set Chunk Size (§5.4.1) and switches this encoder to {@code size} for what follows.
     *
     * @return bytes written, or -1 when there is not enough room
     */
    public int writeSetChunkSize(int size, ByteBuffer dst, int offset, int capacity) {
        if (size < 1 || size > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk size must be 1.." + MAX_CHUNK_SIZE + ": " + size);
        }
        int n = writeControl(RtmpMessage.TYPE_SET_CHUNK_SIZE, size, dst, offset, capacity);
        if (n > 0) {
            chunkSize = size;
        }
        return n;
    }

    /** Writes Abort Message (§5.4.2) for a chunk stream; -1 when there is not enough room. */
    public int writeAbort(int chunkStreamId, ByteBuffer dst, int offset, int capacity) {
        return writeControl(RtmpMessage.TYPE_ABORT, chunkStreamId, dst, offset, capacity);
    }

    /** Writes Acknowledgement (§5.4.3) with a sequence number; -1 when there is not enough room. */
    public int writeAcknowledgement(int sequenceNumber, ByteBuffer dst, int offset, int capacity) {
        return writeControl(RtmpMessage.TYPE_ACKNOWLEDGEMENT, sequenceNumber, dst, offset, capacity);
    }

    /** Writes Window Acknowledgement Size (§5.4.4); -1 when there is not enough room. */
    public int writeWindowAckSize(int windowSize, ByteBuffer dst, int offset, int capacity) {
        return writeControl(RtmpMessage.TYPE_WINDOW_ACK_SIZE, windowSize, dst, offset, capacity);
    }

    /**
     * Writes Set Peer Bandwidth (§5.4.5).
     *
     * @param limitType {@link RtmpControl#LIMIT_HARD}, {@link RtmpControl#LIMIT_SOFT} or {@link RtmpControl#LIMIT_DYNAMIC}
     * @return bytes written, or -1 when there is not enough room
     */
    public int writeSetPeerBandwidth(int windowSize, int limitType, ByteBuffer dst, int offset, int capacity) {
        Wire.putInt(control, 0, windowSize);
        control.put(4, (byte) limitType);
        return encode(CONTROL_CHUNK_STREAM_ID, RtmpMessage.TYPE_SET_PEER_BANDWIDTH, 0, 0, control, 0, 5,
                dst, offset, capacity);
    }

    /**
     * Writes a User Control message (§6.2, §7.1.7) with one 32-bit value: Stream Begin, Stream
     * EOF, Stream Dry, Stream Is Recorded (a stream id), Ping Request/Response (a timestamp).
     *
     * @return bytes written, or -1 when there is not enough room
     */
    public int writeUserControl(int eventType, int value, ByteBuffer dst, int offset, int capacity) {
        Wire.putShort(control, 0, eventType);
        Wire.putInt(control, 2, value);
        return encode(CONTROL_CHUNK_STREAM_ID, RtmpMessage.TYPE_USER_CONTROL, 0, 0, control, 0, 6,
                dst, offset, capacity);
    }

    /**
     * Writes the User Control event Set Buffer Length (§7.1.7): a player tells the server its
     * buffer for a stream.
     *
     * @return bytes written, or -1 when there is not enough room
     */
    public int writeSetBufferLength(int streamId, int bufferMillis, ByteBuffer dst, int offset, int capacity) {
        Wire.putShort(control, 0, RtmpControl.EVENT_SET_BUFFER_LENGTH);
        Wire.putInt(control, 2, streamId);
        Wire.putInt(control, 6, bufferMillis);
        return encode(CONTROL_CHUNK_STREAM_ID, RtmpMessage.TYPE_USER_CONTROL, 0, 0, control, 0, 10,
                dst, offset, capacity);
    }

    private int writeControl(int typeId, int value, ByteBuffer dst, int offset, int capacity) {
        Wire.putInt(control, 0, value);
        return encode(CONTROL_CHUNK_STREAM_ID, typeId, 0, 0, control, 0, 4, dst, offset, capacity);
    }

    private void plan(int csid, int typeId, int streamId, int timestamp, int payloadLength) {
        int slot = -1;
        for (int i = 0; i < tracked; i++) {
            if (csids[i] == csid) {
                slot = i;
                break;
            }
        }
        plannedSlot = slot;
        if (slot < 0 || streamIds[slot] != streamId || timestamp - timestamps[slot] < 0) {
            plannedFmt = 0;
            plannedField = timestamp;
        } else if (lengths[slot] != payloadLength || typeIds[slot] != typeId) {
            plannedFmt = 1;
            plannedField = timestamp - timestamps[slot];
        } else {
            plannedFmt = 2;
            plannedField = timestamp - timestamps[slot];
        }
    }

    private int length(int csid, int payloadLength) {
        int basic = basicHeaderLength(csid);
        boolean extended = Integer.compareUnsigned(plannedField, TIMESTAMP_FIELD_EXTENDED) >= 0;
        int ext = extended ? 4 : 0;
        int messageHeader = plannedFmt == 0 ? 11 : plannedFmt == 1 ? 7 : 3;
        int chunks = payloadLength == 0 ? 1 : (int) ((payloadLength + (long) chunkSize - 1) / chunkSize);
        return basic + messageHeader + ext + payloadLength + (chunks - 1) * (basic + ext);
    }

    private void remember(int csid, int typeId, int streamId, int timestamp, int payloadLength) {
        int slot = plannedSlot;
        if (slot < 0) {
            if (tracked == TRACKED_CHUNK_STREAMS) {
                return; // untracked chunk streams always get type-0 headers
            }
            slot = tracked++;
            csids[slot] = csid;
        }
        typeIds[slot] = typeId;
        streamIds[slot] = streamId;
        timestamps[slot] = timestamp;
        lengths[slot] = payloadLength;
    }

    private static int basicHeaderLength(int csid) {
        return csid < 64 ? 1 : csid < 320 ? 2 : 3;
    }

    private static int writeBasicHeader(ByteBuffer dst, int at, int fmt, int csid) {
        if (csid < 64) {
            dst.put(at, (byte) (fmt << 6 | csid));
            return at + 1;
        }
        if (csid < 320) {
            dst.put(at, (byte) (fmt << 6));
            dst.put(at + 1, (byte) (csid - 64));
            return at + 2;
        }
        dst.put(at, (byte) (fmt << 6 | 1));
        dst.put(at + 1, (byte) (csid - 64));
        dst.put(at + 2, (byte) ((csid - 64) >>> 8));
        return at + 3;
    }

    private static void checkChunkStreamId(int csid) {
        if (csid < MIN_CHUNK_STREAM_ID || csid > MAX_CHUNK_STREAM_ID) {
            throw new IllegalArgumentException("chunk stream id must be 2..65599: " + csid);
        }
    }
}
