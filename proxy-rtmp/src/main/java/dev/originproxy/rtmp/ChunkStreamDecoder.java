package dev.originproxy.rtmp;

import java.nio.ByteBuffer;

import dev.originproxy.core.wire.Wire;

/**
 * Turns the bytes one peer sends after the handshake into RTMP messages (Adobe RTMP
 * specification §5.3 "Chunking"), one instance per connection and direction.
 *
 * <pre>
 *  chunk = basic header (1-3) | message header (11, 7, 3 or 0) | [extended timestamp (4)] | payload
 *
 *   0 1 2 3 4 5 6 7   basic header: fmt (2 bits) and chunk stream id
 *  +-+-+-+-+-+-+-+-+  csid 2..63 in the first byte; 0 = one more byte (csid 64..319),
 *  |fmt|   csid    |  1 = two more bytes, little-endian (csid 64..65599)
 *  +-+-+-+-+-+-+-+-+
 *
 *  fmt 0 (11 bytes): timestamp (3) | message length (3) | type id (1) | stream id (4, little-endian)
 *  fmt 1 ( 7 bytes): timestamp delta (3) | message length (3) | type id (1)
 *  fmt 2 ( 3 bytes): timestamp delta (3)
 *  fmt 3 ( 0 bytes): everything as the previous chunk of this chunk stream
 *  timestamp field 0xFFFFFF: the real value follows in a 4-byte extended timestamp
 * </pre>
 *
 * <p>Extended timestamps on type-3 chunks: when the last type 0, 1 or 2 header of a chunk stream
 * carried an extended timestamp, every following type-3 chunk of that chunk stream carries the
 * 4-byte field again (ffmpeg {@code rtmppkt.c}, librtmp and nginx-rtmp write and read it so; the
 * ffmpeg capture in the tests shows it). The repeated value is read and skipped: the timestamp of
 * a message that starts with a type-3 chunk is the previous one plus the previous delta, and a
 * type-0 header resets that delta to 0 (as nginx-rtmp does).
 *
 * <p>{@link #decode} takes whatever bytes have arrived, consumes every complete chunk header and
 * as much payload as there is, and hands each complete message to a {@link RtmpMessageHandler}.
 * Only an incomplete chunk header (at most {@link #MAX_HEADER_LENGTH} bytes) is left unconsumed for
 * the caller to present again with more bytes. A message that arrives in one chunk entirely
 * inside the caller's bytes is handed over in place; otherwise its chunks are gathered in a
 * buffer of its chunk stream, allocated once and reused, so steady-state decoding allocates
 * nothing. Set Chunk Size and Abort from the peer are applied here (and still handed over);
 * Window Acknowledgement Size is remembered for {@link #acknowledgementDue()}.
 *
 * <p>What a peer can make this hold is bounded by {@link ChunkStreamLimits}; crossing a bound, or
 * a chunk that cannot be interpreted, fails the decoder with a {@link ChunkFailure} (counted),
 * after which it decodes nothing more. No input makes it throw.
 *
 * <p>Not thread-safe: one instance per connection, used by that connection's event-loop thread.
 */
public final class ChunkStreamDecoder {
    /** The chunk size both sides start with (§5.4.1). */
    public static final int DEFAULT_CHUNK_SIZE = 128;
    /** Longest chunk header: 3 basic + 11 message header + 4 extended timestamp bytes. */
    public static final int MAX_HEADER_LENGTH = 18;

    private static final int TIMESTAMP_FIELD_EXTENDED = 0xFFFFFF;
    private static final int[] MESSAGE_HEADER_LENGTH = {11, 7, 3, 0};
    private static final int INITIAL_BUFFER = 4096;

    private final ChunkStreamLimits limits;
    private final FailureCounts<ChunkFailure> failures;
    private final ChunkStreamState[] streams;
    private int streamCount;
    private ChunkStreamState lastFound;
    private final RtmpMessage message = new RtmpMessage();

    private int chunkSize = DEFAULT_CHUNK_SIZE;
    /** Chunk stream of the chunk whose payload is being read, with {@link #chunkRemaining} bytes to go. */
    private ChunkStreamState current;
    private int chunkRemaining;
    private long bufferedCapacity;
    private long bytesReceived;
    private int peerWindowAckSize;
    private long acknowledgedAt;
    private ChunkFailure failure;

    /** A decoder with {@link ChunkStreamLimits#defaults()} that counts nothing. */
    public ChunkStreamDecoder() {
        this(ChunkStreamLimits.defaults(), null);
    }

    /**
     * @param limits bounds on what the peer can make this decoder hold
     * @param failures where failures are counted per reason (shared by a router's connections);
     *     {@code null} to count nothing
     */
    public ChunkStreamDecoder(ChunkStreamLimits limits, FailureCounts<ChunkFailure> failures) {
        this.limits = limits;
        this.failures = failures;
        this.streams = new ChunkStreamState[limits.maxChunkStreams()];
    }

    /**
     * Decodes chunks from {@code in[offset, offset + length)}; the buffer's position, limit and
     * byte order are not changed.
     *
     * @return the number of bytes consumed (the caller keeps the rest, always the start of an
     *     incomplete chunk header or bytes after a message the handler stopped at), or -1 when
     *     the decoder failed ({@link #failure()}); a failed decoder always returns -1
     * @throws IndexOutOfBoundsException when the range is not inside the buffer's limit (a
     *     caller's bug, never caused by the bytes' content)
     */
    public int decode(ByteBuffer in, int offset, int length, RtmpMessageHandler handler) {
        if (!Wire.inBounds(in, offset, length)) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside limit "
                    + (in == null ? "(null buffer)" : in.limit()));
        }
        if (failure != null) {
            return -1;
        }
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            if (chunkRemaining == 0) {
                int header = readHeader(in, pos, end);
                if (header == 0) {
                    break;
                }
                if (header < 0) {
                    return -1;
                }
                pos += header;
                ChunkStreamState s = current;
                int chunkPayload = Math.min(chunkSize, s.length - s.received);
                if (chunkPayload == 0 || (s.received == 0 && chunkPayload == s.length && end - pos >= s.length)) {
                    // The whole message is this one chunk and already here: hand it over in place.
                    pos += s.length;
                    boolean goOn = deliver(s, in, pos - s.length, handler);
                    if (failure != null) {
                        return -1;
                    }
                    if (!goOn) {
                        break;
                    }
                    continue;
                }
                if (!ensureCapacity(s)) {
                    return -1;
                }
                chunkRemaining = chunkPayload;
            }
            ChunkStreamState s = current;
            int n = Math.min(chunkRemaining, end - pos);
            s.buffer.put(s.received, in, pos, n);
            s.received += n;
            pos += n;
            chunkRemaining -= n;
            if (chunkRemaining == 0 && s.received == s.length) {
                s.received = 0;
                boolean goOn = deliver(s, s.buffer, 0, handler);
                if (failure != null) {
                    return -1;
                }
                if (!goOn) {
                    break;
                }
            }
        }
        bytesReceived += pos - offset;
        return pos - offset;
    }

    /**
     * Reads one chunk header at {@code pos} and updates its chunk stream's state.
     *
     * @return the header length, 0 when incomplete, -1 on failure
     */
    private int readHeader(ByteBuffer in, int pos, int end) {
        int available = end - pos;
        int b0 = Wire.getUnsignedByte(in, pos);
        int fmt = b0 >>> 6;
        int csid = b0 & 0x3F;
        int basic = 1;
        if (csid == 0) {
            if (available < 2) {
                return 0;
            }
            csid = Wire.getUnsignedByte(in, pos + 1) + 64;
            basic = 2;
        } else if (csid == 1) {
            if (available < 3) {
                return 0;
            }
            csid = Wire.getUnsignedByte(in, pos + 1) + (Wire.getUnsignedByte(in, pos + 2) << 8) + 64;
            basic = 3;
        }
        int messageHeader = MESSAGE_HEADER_LENGTH[fmt];
        if (available < basic + messageHeader) {
            return 0;
        }
        ChunkStreamState s = find(csid);
        // librtmp sends its control messages with a type-1 header even as the first chunk of a
        // chunk stream (RTMP_SendCtrl, no previous packet to compress against); like SRS, that
        // is taken as message stream 0 and a timestamp counted from 0. Types 2 and 3 need a past.
        if (s == null && fmt >= 2) {
            return fail(ChunkFailure.NO_PREVIOUS_HEADER);
        }
        if (s != null && fmt != 3 && s.received > 0) {
            return fail(ChunkFailure.INTERRUPTED_MESSAGE);
        }
        int p = pos + basic;
        int timestampField = 0;
        boolean extended;
        if (fmt <= 2) {
            timestampField = Wire.getUnsignedMedium(in, p);
            extended = timestampField == TIMESTAMP_FIELD_EXTENDED;
        } else {
            extended = s.extended;
        }
        int headerLength = basic + messageHeader + (extended ? 4 : 0);
        if (available < headerLength) {
            return 0;
        }
        int messageLength = 0;
        if (fmt <= 1) {
            messageLength = Wire.getUnsignedMedium(in, p + 3);
            if (messageLength > limits.maxMessageSize()) {
                return fail(ChunkFailure.MESSAGE_TOO_LARGE);
            }
        }
        if (s == null) {
            s = allocate(csid);
            if (s == null) {
                return fail(ChunkFailure.TOO_MANY_CHUNK_STREAMS);
            }
        }
        int timestamp = extended && fmt <= 2 ? Wire.getInt(in, p + messageHeader) : timestampField;
        switch (fmt) {
            case 0:
                s.timestamp = timestamp;
                s.delta = 0;
                s.length = messageLength;
                s.typeId = Wire.getUnsignedByte(in, p + 6);
                s.streamId = Wire.getIntLittleEndian(in, p + 7);
                s.extended = extended;
                break;
            case 1:
                s.delta = timestamp;
                s.timestamp += timestamp;
                s.length = messageLength;
                s.typeId = Wire.getUnsignedByte(in, p + 6);
                s.extended = extended;
                break;
            case 2:
                s.delta = timestamp;
                s.timestamp += timestamp;
                s.extended = extended;
                break;
            default:
                if (s.received == 0) {
                    // A new message in a type-3 chunk: same header, timestamp advanced by the delta.
                    s.timestamp += s.delta;
                }
                break;
        }
        current = s;
        return headerLength;
    }

    private boolean deliver(ChunkStreamState s, ByteBuffer buffer, int offset, RtmpMessageHandler handler) {
        int length = s.length;
        switch (s.typeId) {
            case RtmpMessage.TYPE_SET_CHUNK_SIZE: {
                int size = length >= 4 ? Wire.getInt(buffer, offset) : 0;
                if (size <= 0) {
                    fail(ChunkFailure.BAD_CONTROL_MESSAGE);
                    return false;
                }
                chunkSize = size;
                break;
            }
            case RtmpMessage.TYPE_ABORT: {
                if (length < 4) {
                    fail(ChunkFailure.BAD_CONTROL_MESSAGE);
                    return false;
                }
                ChunkStreamState aborted = find(Wire.getInt(buffer, offset));
                if (aborted != null && aborted != s) {
                    aborted.received = 0;
                }
                break;
            }
            case RtmpMessage.TYPE_WINDOW_ACK_SIZE:
                if (length < 4) {
                    fail(ChunkFailure.BAD_CONTROL_MESSAGE);
                    return false;
                }
                peerWindowAckSize = Wire.getInt(buffer, offset);
                break;
            default:
                break;
        }
        message.set(s.csid, s.typeId, s.streamId, s.timestamp, buffer, offset, length);
        return handler.onMessage(message);
    }

    private boolean ensureCapacity(ChunkStreamState s) {
        ByteBuffer b = s.buffer;
        int old = b == null ? 0 : b.capacity();
        if (old >= s.length) {
            return true;
        }
        int wanted = Math.max(s.length, Math.min(limits.maxMessageSize(), Math.max(INITIAL_BUFFER, old * 2)));
        if (bufferedCapacity - old + wanted > limits.maxBufferedBytes()) {
            wanted = s.length;
            if (bufferedCapacity - old + wanted > limits.maxBufferedBytes()) {
                fail(ChunkFailure.BUFFER_LIMIT);
                return false;
            }
        }
        ByteBuffer grown = ByteBuffer.allocate(wanted);
        if (s.received > 0) {
            grown.put(0, b, 0, s.received);
        }
        s.buffer = grown;
        bufferedCapacity += wanted - old;
        return true;
    }

    private ChunkStreamState find(int csid) {
        ChunkStreamState last = lastFound;
        if (last != null && last.csid == csid) {
            return last;
        }
        for (int i = 0; i < streamCount; i++) {
            if (streams[i].csid == csid) {
                return lastFound = streams[i];
            }
        }
        return null;
    }

    private ChunkStreamState allocate(int csid) {
        if (streamCount == streams.length) {
            return null;
        }
        ChunkStreamState s = new ChunkStreamState(csid);
        streams[streamCount++] = s;
        return lastFound = s;
    }

    private int fail(ChunkFailure reason) {
        failure = reason;
        if (failures != null) {
            failures.increment(reason);
        }
        return -1;
    }

    /** Why the decoder failed, {@code null} while it is healthy. */
    public ChunkFailure failure() {
        return failure;
    }

    /** The chunk size the peer is using (128 until it sends Set Chunk Size). */
    public int chunkSize() {
        return chunkSize;
    }

    /** Chunk streams with state so far (bounded by {@link ChunkStreamLimits#maxChunkStreams()}). */
    public int chunkStreamCount() {
        return streamCount;
    }

    /** Bytes held in partial-message buffers (bounded by {@link ChunkStreamLimits#maxBufferedBytes()}). */
    public long bufferedBytes() {
        return bufferedCapacity;
    }

    /** Bytes consumed so far. */
    public long bytesReceived() {
        return bytesReceived;
    }

    /**
     * The window the peer asked for with Window Acknowledgement Size (§5.4.4), 0 until it did:
     * every time this many bytes have arrived, an Acknowledgement is owed.
     */
    public int peerWindowAckSize() {
        return peerWindowAckSize;
    }

    /** Whether a window's worth of bytes has arrived since the last {@link #acknowledge()}. */
    public boolean acknowledgementDue() {
        return peerWindowAckSize > 0 && bytesReceived - acknowledgedAt >= Integer.toUnsignedLong(peerWindowAckSize);
    }

    /**
     * Marks the bytes received so far as acknowledged.
     *
     * @return the sequence number for the Acknowledgement message: bytes received, modulo 2^32
     */
    public int acknowledge() {
        acknowledgedAt = bytesReceived;
        return (int) bytesReceived;
    }

    /** Per chunk stream: the last header and the message being gathered. */
    private static final class ChunkStreamState {
        final int csid;
        int typeId;
        int streamId;
        int timestamp;
        int delta;
        int length;
        boolean extended;
        int received;
        ByteBuffer buffer;

        ChunkStreamState(int csid) {
            this.csid = csid;
        }
    }
}
