package dev.originproxy.rtmp;

/**
 * Bounds on what one peer can make a {@link ChunkStreamDecoder} hold: the size of one message,
 * the number of chunk streams with state, and the bytes of partial messages buffered across all
 * chunk streams. A peer that crosses a bound fails the decoder with the matching
 * {@link ChunkFailure}.
 *
 * <p>Immutable, thread-safe. Start from {@link #defaults()} and change what differs.
 *
 * @param maxMessageSize longest message accepted, 1 to 16,777,215 bytes (the 24-bit length field)
 * @param maxChunkStreams chunk streams a connection may use, at least 1
 * @param maxBufferedBytes bytes of partial-message buffers a connection may hold, at least
 *     {@code maxMessageSize}
 */
public record ChunkStreamLimits(int maxMessageSize, int maxChunkStreams, int maxBufferedBytes) {
    /** Default longest message: 4 MiB, room for a 4K key frame. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 4 << 20;
    /** Default number of chunk streams: real clients use fewer than ten. */
    public static final int DEFAULT_MAX_CHUNK_STREAMS = 32;
    /** Default bytes of partial messages a connection may hold: 8 MiB. */
    public static final int DEFAULT_MAX_BUFFERED_BYTES = 8 << 20;
    /** The largest length a message header can state. */
    public static final int MAX_MESSAGE_LENGTH_FIELD = 0xFFFFFF;

    /** Checks the bounds. */
    public ChunkStreamLimits {
        if (maxMessageSize < 1 || maxMessageSize > MAX_MESSAGE_LENGTH_FIELD) {
            throw new IllegalArgumentException("maxMessageSize must be 1.." + MAX_MESSAGE_LENGTH_FIELD
                    + ": " + maxMessageSize);
        }
        if (maxChunkStreams < 1) {
            throw new IllegalArgumentException("maxChunkStreams must be at least 1: " + maxChunkStreams);
        }
        if (maxBufferedBytes < maxMessageSize) {
            throw new IllegalArgumentException("maxBufferedBytes must be at least maxMessageSize: "
                    + maxBufferedBytes + " < " + maxMessageSize);
        }
    }

    /** 4 MiB messages, 32 chunk streams, 8 MiB buffered. */
    public static ChunkStreamLimits defaults() {
        return new ChunkStreamLimits(DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_CHUNK_STREAMS,
                DEFAULT_MAX_BUFFERED_BYTES);
    }

    /** A copy with another maximum message size (and buffered bytes raised to it if lower). */
    public ChunkStreamLimits withMaxMessageSize(int bytes) {
        return new ChunkStreamLimits(bytes, maxChunkStreams, Math.max(bytes, maxBufferedBytes));
    }

    /** A copy with another maximum number of chunk streams. */
    public ChunkStreamLimits withMaxChunkStreams(int count) {
        return new ChunkStreamLimits(maxMessageSize, count, maxBufferedBytes);
    }

    /** A copy with another bound on buffered partial-message bytes. */
    public ChunkStreamLimits withMaxBufferedBytes(int bytes) {
        return new ChunkStreamLimits(maxMessageSize, maxChunkStreams, bytes);
    }
}
