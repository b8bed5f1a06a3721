package dev.originproxy.rtmp;

/**
 * Why a {@link ChunkStreamDecoder} gave up on a connection's chunk stream. Every reason is
 * fatal for the connection: after it the byte stream cannot be re-synchronised.
 *
 * <p>Immutable, thread-safe.
 */
public enum ChunkFailure {
    /** A chunk of type 2 or 3 on a chunk stream that has had no type-0 or type-1 header. */
    NO_PREVIOUS_HEADER,
    /** A new message header (type 0, 1 or 2) while the previous message was still incomplete. */
    INTERRUPTED_MESSAGE,
    /** A message longer than the decoder's maximum message size. */
    MESSAGE_TOO_LARGE,
    /** More chunk streams in use than the decoder's limit. */
    TOO_MANY_CHUNK_STREAMS,
    /** The partial messages of all chunk streams together would exceed the buffered-bytes limit. */
    BUFFER_LIMIT,
    /** Set Chunk Size of 0 or with the top bit set, or a protocol control message of the wrong length. */
    BAD_CONTROL_MESSAGE
}
