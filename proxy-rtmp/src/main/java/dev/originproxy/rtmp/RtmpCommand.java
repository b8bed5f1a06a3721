package dev.originproxy.rtmp;

import java.nio.ByteBuffer;

import dev.originproxy.core.wire.Wire;

/**
 * Flyweight over a command message (Adobe RTMP specification §7.1.1, §7.2): the command name,
 * the transaction id, the command object and the optional arguments, read in place.
 *
 * <pre>
 *  type 20 (AMF0):              type 17 (AMF3 command):
 *  +--------+-------+--------+------+     +------+--------+-------+--------+------+
 *  | string | number| object |args..|     | 0x00 | string | number| object |args..|
 *  | name   | txn id| or null|      |     |format| (AMF0 values; any of them may be   |
 *  +--------+-------+--------+------+     +------+  an avmplus marker + AMF3 value)   |
 * </pre>
 *
 * <p>{@link #wrap(RtmpMessage)} reads the name and the transaction id and skips the command
 * object; then {@link #nameEquals(String)} and {@link #transactionId()} answer without
 * allocating, and {@link #commandObject()} / {@link #arguments()} return a reader positioned at
 * the command object or the first argument. A command without command object (what some servers
 * send in {@code onStatus}) has {@link #hasCommandObject()} {@code false} and its arguments
 * start right after the transaction id. Type 17 messages skip their format byte and are read as
 * AMF0 with AMF3 switches, as ffmpeg and nginx-rtmp read them.
 *
 * <p>Not thread-safe: one per thread, re-wrapped per message.
 */
public final class RtmpCommand {
    private final Amf0Reader reader;
    private ByteBuffer buffer;
    private int nameOffset;
    private int nameLength;
    private double transactionId;
    private int commandObjectOffset;
    private int argumentsOffset;
    private int end;
    private AmfFailure failure;

    /** A flyweight with the default AMF bounds that counts nothing. */
    public RtmpCommand() {
        this(null);
    }

    /**
     * @param failures where failed wraps are counted per reason; {@code null} to count nothing
     */
    public RtmpCommand(FailureCounts<AmfFailure> failures) {
        this.reader = new Amf0Reader(Amf0Reader.DEFAULT_MAX_DEPTH, Amf0Reader.DEFAULT_MAX_ENTRIES, failures);
    }

    /**
     * Wraps the payload of a command message of type 20 or 17.
     *
     * @return {@code false} (see {@link #failure()}) for another message type or a payload that
     *     does not start with a name, a transaction id and a well-formed command object
     */
    public boolean wrap(RtmpMessage message) {
        int type = message.typeId();
        if (type != RtmpMessage.TYPE_COMMAND_AMF0 && type != RtmpMessage.TYPE_COMMAND_AMF3) {
            failure = AmfFailure.UNEXPECTED_TYPE;
            return false;
        }
        return wrap(message.buffer(), message.offset(), message.length(), type == RtmpMessage.TYPE_COMMAND_AMF3);
    }

    /**
     * Wraps a command payload.
     *
     * @param amf3 {@code true} for a type-17 payload (starts with a format byte)
     * @return {@code false} (see {@link #failure()}) when it is not a well-formed command
     */
    public boolean wrap(ByteBuffer buffer, int offset, int length, boolean amf3) {
        failure = null;
        this.buffer = buffer;
        if (amf3) {
            if (length < 1 || !Wire.inBounds(buffer, offset, length)) {
                failure = AmfFailure.TRUNCATED;
                return false;
            }
            offset++;
            length--;
        }
        Amf0Reader r = reader;
        if (!r.wrap(buffer, offset, length) || !r.skipString()) {
            failure = r.failure();
            return false;
        }
        nameOffset = r.stringOffset();
        nameLength = r.stringLength();
        end = r.end();
        transactionId = r.readNumber();
        if (r.failure() != null) {
            failure = r.failure();
            return false;
        }
        commandObjectOffset = r.position();
        int marker = r.peekMarker();
        if (marker == Amf0Reader.OBJECT || marker == Amf0Reader.NULL || marker == Amf0Reader.UNDEFINED
                || marker == Amf0Reader.ECMA_ARRAY || marker == Amf0Reader.AVMPLUS_OBJECT) {
            if (!r.skipValue()) {
                failure = r.failure();
                return false;
            }
        }
        argumentsOffset = r.position();
        return true;
    }

    /** Why the last wrap failed, or {@code null}. */
    public AmfFailure failure() {
        return failure;
    }

    /** Whether the command name equals {@code name} (ASCII compared in place). */
    public boolean nameEquals(String name) {
        if (failure != null || name.length() != nameLength) {
            return false;
        }
        for (int i = 0; i < nameLength; i++) {
            if (buffer.get(nameOffset + i) != (byte) name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The command name (allocating). */
    public String name() {
        byte[] bytes = new byte[nameLength];
        buffer.get(nameOffset, bytes, 0, nameLength);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The transaction id (0 for commands that expect no answer, such as {@code onStatus}). */
    public double transactionId() {
        return transactionId;
    }

    /** Whether a command object (possibly null) follows the transaction id. */
    public boolean hasCommandObject() {
        return argumentsOffset > commandObjectOffset;
    }

    /** Whether the command object is an object or ECMA array (not null, undefined or absent). */
    public boolean commandObjectIsObject() {
        if (!hasCommandObject()) {
            return false;
        }
        int marker = buffer.get(commandObjectOffset) & 0xFF;
        return marker == Amf0Reader.OBJECT || marker == Amf0Reader.ECMA_ARRAY;
    }

    /** Absolute index of the command object's first byte. */
    public int commandObjectOffset() {
        return commandObjectOffset;
    }

    /** Absolute index of the first argument after the command object (or the payload's end). */
    public int argumentsOffset() {
        return argumentsOffset;
    }

    /** Absolute index after the payload. */
    public int end() {
        return end;
    }

    /** The reader, positioned at the command object (shared: re-positioned by the next call). */
    public Amf0Reader commandObject() {
        reader.wrap(buffer, commandObjectOffset, end - commandObjectOffset);
        return reader;
    }

    /** The reader, positioned at the first argument (shared: re-positioned by the next call). */
    public Amf0Reader arguments() {
        reader.wrap(buffer, argumentsOffset, end - argumentsOffset);
        return reader;
    }
}
