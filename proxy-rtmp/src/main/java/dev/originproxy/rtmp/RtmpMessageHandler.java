package dev.originproxy.rtmp;

/**
 * Receives the messages a {@link ChunkStreamDecoder} assembles.
 *
 * <p>Called on the thread that calls {@link ChunkStreamDecoder#decode}; the message and its
 * payload are valid only during the call.
 */
@FunctionalInterface
public interface RtmpMessageHandler {
    /**
     * One complete message.
     *
     * @return {@code true} to go on decoding, {@code false} to stop after this message (for
     *     example when the output towards the other side is full): {@code decode} then returns
     *     the bytes consumed up to the end of this message, and the caller calls it again with
     *     the rest later
     */
    boolean onMessage(RtmpMessage message);
}
