package dev.originproxy.rtmp.router;

import dev.originproxy.core.tcp.TcpConnection;
import dev.originproxy.rtmp.AmfFailure;
import dev.originproxy.rtmp.ChunkStreamEncoder;
import dev.originproxy.rtmp.FailureCounts;
import dev.originproxy.rtmp.HandshakeFailure;
import dev.originproxy.rtmp.RtmpCommand;
import dev.originproxy.rtmp.RtmpCommandWriter;
import dev.originproxy.rtmp.RtmpHandshake;
import dev.originproxy.rtmp.RtmpHandshakeWriter;
import dev.originproxy.rtmp.RtmpMessage;

import java.nio.ByteBuffer;

/**
 * The codec objects and scratch buffers one TCP worker's sessions share (codec flyweights are
 * not thread-safe, and one set per worker means nothing is allocated per message): the handshake
 * reader and writer, the command reader and writer, and the buffer messages are chunked into
 * before they are handed to a connection (which copies what the socket does not take at once).
 *
 * <p>Worker-thread only.
 */
final class WorkerTools {
    private static final int INITIAL_OUT = 64 << 10;
    /** The smallest chunk size the router encodes at (the protocol's default, before Set Chunk Size). */
    private static final int MIN_CHUNK_SIZE = 128;

    final RtmpHandshake handshake;
    final RtmpHandshakeWriter handshakeWriter = new RtmpHandshakeWriter();
    final RtmpCommand command;
    final RtmpCommand originCommand;
    final RtmpCommandWriter commands = new RtmpCommandWriter(16 << 10);
    private final int maxOut;
    private ByteBuffer out = ByteBuffer.allocateDirect(INITIAL_OUT);

    WorkerTools(FailureCounts<HandshakeFailure> handshakeFailures, FailureCounts<AmfFailure> amfFailures,
                int maxMessageSize) {
        this.handshake = new RtmpHandshake(handshakeFailures);
        this.command = new RtmpCommand(amfFailures);
        this.originCommand = new RtmpCommand(amfFailures);
        // a message at the smallest chunk size the router writes at: a continuation header
        // (3-byte basic header + 4-byte extended timestamp at most) per chunk, one full header
        this.maxOut = maxMessageSize + (maxMessageSize / MIN_CHUNK_SIZE + 1) * 7 + 18;
    }

    /** The scratch buffer, cleared, with at least {@code bytes} of room (grown within the bound). */
    ByteBuffer out(int bytes) {
        if (bytes > out.capacity()) {
            if (bytes > maxOut) {
                throw new IllegalArgumentException("message of " + bytes + " bytes over the bound " + maxOut);
            }
            out = ByteBuffer.allocateDirect(Math.min(maxOut, Math.max(bytes, out.capacity() * 2)));
        }
        out.clear();
        return out;
    }

    /** Chunks {@code m} with {@code encoder} and writes it to {@code c}; false when {@code c} did not take it. */
    boolean send(TcpConnection c, ChunkStreamEncoder encoder, RtmpMessage m) {
        int n = encoder.encodedLength(m.chunkStreamId(), m.typeId(), m.streamId(), m.timestamp(), m.length());
        ByteBuffer b = out(n);
        int w = encoder.encode(m, b, 0, n);
        return flush(c, b, w);
    }

    /** Chunks the command built in {@link #commands} and writes it to {@code c}. */
    boolean sendCommand(TcpConnection c, ChunkStreamEncoder encoder, int chunkStreamId, int streamId) {
        int len = commands.length();
        int n = encoder.encodedLength(chunkStreamId, RtmpMessage.TYPE_COMMAND_AMF0, streamId, 0, len);
        ByteBuffer b = out(n);
        int w = commands.finish(encoder, chunkStreamId, streamId, b, 0, n);
        return flush(c, b, w);
    }

    /** Writes {@code out()[0, length)} to {@code c}. */
    static boolean flush(TcpConnection c, ByteBuffer b, int length) {
        if (length < 0) {
            return false;
        }
        b.limit(length).position(0);
        return c.write(b);
    }

}
