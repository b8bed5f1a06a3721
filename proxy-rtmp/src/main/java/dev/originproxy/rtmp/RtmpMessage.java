package dev.originproxy.rtmp;

import java.nio.ByteBuffer;

/**
 * One RTMP message as the chunk stream delivers it (Adobe RTMP specification §5.3.1 and §6.1):
 * the header fields and a view of the payload, which stays in the decoder's (or the caller's)
 * buffer; nothing is copied.
 *
 * <pre>
 *  message header (carried in the chunk headers)        payload
 * +-----------+----------------+-----------+-----------+ +--------- ... ---------+
 * | type id 8 | length 24 bits | timestamp | stream id | | length bytes, opaque   |
 * +-----------+----------------+-----------+-----------+ +--------- ... ---------+
 *   see TYPE_*                   32 bits,    32 bits       audio/video/data pass
 *                                ms, wraps   (little-end.  through unchanged
 *                                            on the wire)  (enhanced RTMP too)
 * </pre>
 *
 * <p>A message handed to {@link RtmpMessageHandler#onMessage(RtmpMessage)} is valid only during
 * that call: the decoder reuses the instance and the payload buffer. A caller that wants to keep
 * a message copies it. An instance the caller fills with {@link #set} can be passed to
 * {@link ChunkStreamEncoder#encode(RtmpMessage, ByteBuffer, int, int)}.
 *
 * <p>Not thread-safe.
 */
public final class RtmpMessage {
    /** Set Chunk Size, protocol control (§5.4.1). */
    public static final int TYPE_SET_CHUNK_SIZE = 1;
    /** Abort Message, protocol control (§5.4.2). */
    public static final int TYPE_ABORT = 2;
    /** Acknowledgement, protocol control (§5.4.3). */
    public static final int TYPE_ACKNOWLEDGEMENT = 3;
    /** User Control Message (§6.2). */
    public static final int TYPE_USER_CONTROL = 4;
    /** Window Acknowledgement Size, protocol control (§5.4.4). */
    public static final int TYPE_WINDOW_ACK_SIZE = 5;
    /** Set Peer Bandwidth, protocol control (§5.4.5). */
    public static final int TYPE_SET_PEER_BANDWIDTH = 6;
    /** Audio data (§7.1.4). */
    public static final int TYPE_AUDIO = 8;
    /** Video data (§7.1.5). */
    public static final int TYPE_VIDEO = 9;
    /** Data message in AMF3 (§7.1.2). */
    public static final int TYPE_DATA_AMF3 = 15;
    /** Shared object message in AMF3 (§7.1.3). */
    public static final int TYPE_SHARED_OBJECT_AMF3 = 16;
    /** Command message in AMF3 (§7.1.1): a format byte, then the AMF values. */
    public static final int TYPE_COMMAND_AMF3 = 17;
    /** Data message in AMF0 (§7.1.2), e.g. {@code @setDataFrame}/{@code onMetaData}. */
    public static final int TYPE_DATA_AMF0 = 18;
    /** Shared object message in AMF0 (§7.1.3). */
    public static final int TYPE_SHARED_OBJECT_AMF0 = 19;
    /** Command message in AMF0 (§7.1.1): {@code connect}, {@code publish}, {@code _result}... */
    public static final int TYPE_COMMAND_AMF0 = 20;
    /** Aggregate message (§7.1.6). */
    public static final int TYPE_AGGREGATE = 22;

    private int chunkStreamId;
    private int typeId;
    private int streamId;
    private int timestamp;
    private ByteBuffer buffer;
    private int offset;
    private int length;

    /** An empty message (length 0, no buffer). */
    public RtmpMessage() {
    }

    /**
     * Sets every field; the payload is {@code buffer[offset, offset + length)}.
     *
     * @return this message
     */
    public RtmpMessage set(int chunkStreamId, int typeId, int streamId, int timestamp,
            ByteBuffer buffer, int offset, int length) {
        this.chunkStreamId = chunkStreamId;
        this.typeId = typeId;
        this.streamId = streamId;
        this.timestamp = timestamp;
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** The chunk stream id the message arrived on (2..65599). */
    public int chunkStreamId() {
        return chunkStreamId;
    }

    /** The message type id, one of the {@code TYPE_*} constants or another value (opaque). */
    public int typeId() {
        return typeId;
    }

    /** The message stream id (0 for the connection's control and NetConnection commands). */
    public int streamId() {
        return streamId;
    }

    /** The absolute timestamp in milliseconds (unsigned 32 bits in an int; wraps). */
    public int timestamp() {
        return timestamp;
    }

    /** The buffer holding the payload. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Absolute index of the payload's first byte in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    /** Payload length in bytes. */
    public int length() {
        return length;
    }

    /** {@code true} for the protocol control types 1, 2, 3, 5 and 6 (§5.4). */
    public boolean isProtocolControl() {
        return typeId >= TYPE_SET_CHUNK_SIZE && typeId <= TYPE_SET_PEER_BANDWIDTH
                && typeId != TYPE_USER_CONTROL;
    }

    /** {@code true} for command messages in AMF0 or AMF3 (types 20 and 17). */
    public boolean isCommand() {
        return typeId == TYPE_COMMAND_AMF0 || typeId == TYPE_COMMAND_AMF3;
    }

    /** {@code true} for audio, video, data and aggregate messages: opaque media bytes. */
    public boolean isMedia() {
        return typeId == TYPE_AUDIO || typeId == TYPE_VIDEO || typeId == TYPE_DATA_AMF0
                || typeId == TYPE_DATA_AMF3 || typeId == TYPE_AGGREGATE;
    }

    @Override
    public String toString() {
        return "RtmpMessage[csid=" + chunkStreamId + ", type=" + typeId + ", stream=" + streamId
                + ", ts=" + Integer.toUnsignedString(timestamp) + ", length=" + length + "]";
    }
}
