package dev.originproxy.rtmp;

import java.nio.ByteBuffer;

/**
 * Builds a command (or data) message and chunks it: {@link #begin(String, double)} writes the
 * name and transaction id and hands out an {@link Amf0Writer} for the command object and the
 * arguments; {@link #finish} chunks the result with a {@link ChunkStreamEncoder}.
 *
 * <pre>{@code
 * Amf0Writer amf = commands.begin("_result", txId);
 * amf.writeObjectStart().writeKey("fmsVer").writeString("FMS/3,0,1,123").writeObjectEnd();
 * amf.writeObjectStart().writeKey("code").writeString("NetConnection.Connect.Success").writeObjectEnd();
 * int n = commands.finish(encoder, RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0, out, at, room);
 * }</pre>
 *
 * <p>The payload is built in a buffer of this writer (allocated once, bounded by its capacity).
 * Not thread-safe: one per connection or per event-loop thread.
 */
public final class RtmpCommandWriter {
    /** Chunk stream ffmpeg, librtmp and nginx-rtmp use for NetConnection commands. */
    public static final int COMMAND_CHUNK_STREAM_ID = 3;
    /** Default payload capacity. */
    public static final int DEFAULT_CAPACITY = 4096;

    private final ByteBuffer payload;
    private final Amf0Writer amf = new Amf0Writer();

    /** A writer for payloads up to {@link #DEFAULT_CAPACITY} bytes. */
    public RtmpCommandWriter() {
        this(DEFAULT_CAPACITY);
    }

    /**
     * @param capacity largest payload this writer builds
     */
    public RtmpCommandWriter(int capacity) {
        this.payload = ByteBuffer.allocate(capacity);
    }

    /**
     * Starts a command message: writes the name and the transaction id.
     *
     * @return the writer for the command object and arguments
     */
    public Amf0Writer begin(String name, double transactionId) {
        return amf.wrap(payload, 0, payload.capacity()).writeString(name).writeNumber(transactionId);
    }

    /**
     * Starts a payload with nothing written (a data message such as {@code @setDataFrame}, or a
     * command whose bytes are copied from elsewhere).
     */
    public Amf0Writer begin() {
        return amf.wrap(payload, 0, payload.capacity());
    }

    /** Whether the payload built so far overflowed this writer's capacity. */
    public boolean overflowed() {
        return amf.overflowed();
    }

    /** The payload built since {@code begin}: {@code buffer()[0, length())}. */
    public ByteBuffer buffer() {
        return payload;
    }

    /** Length of the payload built since {@code begin}. */
    public int length() {
        return amf.length();
    }

    /**
     * Chunks the built payload as an AMF0 command message (type 20) with timestamp 0.
     *
     * @return bytes written to {@code dst}, or -1 when the payload overflowed or {@code dst} has
     *     not enough room
     */
    public int finish(ChunkStreamEncoder encoder, int chunkStreamId, int streamId,
            ByteBuffer dst, int offset, int capacity) {
        return finish(encoder, chunkStreamId, RtmpMessage.TYPE_COMMAND_AMF0, streamId, 0, dst, offset, capacity);
    }

    /**
     * Chunks the built payload as a message of {@code typeId} (20 command, 18 data).
     *
     * @return bytes written to {@code dst}, or -1 when the payload overflowed or {@code dst} has
     *     not enough room
     */
    public int finish(ChunkStreamEncoder encoder, int chunkStreamId, int typeId, int streamId, int timestamp,
            ByteBuffer dst, int offset, int capacity) {
        if (amf.overflowed()) {
            return -1;
        }
        return encoder.encode(chunkStreamId, typeId, streamId, timestamp, payload, 0, amf.length(),
                dst, offset, capacity);
    }
}
