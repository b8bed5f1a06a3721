package dev.originproxy.rtmp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.originproxy.core.wire.Wire;

/**
 * A cursor over AMF0-encoded values in a buffer (Adobe "Action Message Format -- AMF 0", 2007),
 * as RTMP command and data messages carry them; values after an {@code avmplus-object} marker
 * (0x11) are AMF3 and are decoded too ({@link #readValue()}, {@link #skipValue()}).
 *
 * <pre>
 *  marker (1 byte) then:
 *   0x00 number       8 bytes IEEE 754 double, big-endian
 *   0x01 boolean      1 byte
 *   0x02 string       u16 length, UTF-8 bytes
 *   0x03 object       { u16 key length, key, value }* then 0x00 0x00 0x09
 *   0x05 null, 0x06 undefined (no body)
 *   0x08 ECMA array   u32 count (a hint), then as object
 *   0x0A strict array u32 count, count values
 *   0x0B date         8-byte double (ms since epoch), s16 time zone
 *   0x0C long string  u32 length, UTF-8 bytes
 *   0x10 typed object u16 class-name length, class name, then as object
 *   0x11 avmplus      one AMF3 value follows
 * </pre>
 *
 * <p>Two ways to read. On the hot path, typed reads in order ({@link #readString()} only when a
 * {@code String} is really wanted; {@link #readStringEquals(String)}, {@link #readNumber()},
 * {@link #readObjectStart()} / {@link #nextKey()} / {@link #keyEquals(String)}, {@link #skipValue()})
 * allocate nothing. For rarely used structures, {@link #readValue()} builds plain Java values.
 *
 * <p>Errors are sticky and never thrown: a read that fails (value truncated, wrong type, nesting
 * deeper than the bound) sets {@link #failure()} (counted once), returns a neutral value
 * ({@code NaN}, {@code false}, {@code null}) and every later read fails too. Check
 * {@link #failure()} after a group of reads.
 *
 * <p>Not thread-safe: one per thread, re-wrapped per message.
 */
public final class Amf0Reader {
    /** Number marker. */
    public static final int NUMBER = 0x00;
    /** Boolean marker. */
    public static final int BOOLEAN = 0x01;
    /** String marker (u16 length). */
    public static final int STRING = 0x02;
    /** Anonymous object marker. */
    public static final int OBJECT = 0x03;
    /** Movie clip marker (reserved, not decoded). */
    public static final int MOVIECLIP = 0x04;
    /** Null marker. */
    public static final int NULL = 0x05;
    /** Undefined marker. */
    public static final int UNDEFINED = 0x06;
    /** Reference marker (not decoded). */
    public static final int REFERENCE = 0x07;
    /** ECMA array marker (associative array). */
    public static final int ECMA_ARRAY = 0x08;
    /** Object end marker (after an empty key). */
    public static final int OBJECT_END = 0x09;
    /** Strict array marker (dense array). */
    public static final int STRICT_ARRAY = 0x0A;
    /** Date marker. */
    public static final int DATE = 0x0B;
    /** Long string marker (u32 length). */
    public static final int LONG_STRING = 0x0C;
    /** Unsupported marker. */
    public static final int UNSUPPORTED = 0x0D;
    /** Record set marker (reserved). */
    public static final int RECORDSET = 0x0E;
    /** XML document marker (u32 length, UTF-8). */
    public static final int XML_DOCUMENT = 0x0F;
    /** Typed object marker. */
    public static final int TYPED_OBJECT = 0x10;
    /** Switch to AMF3 for the next value. */
    public static final int AVMPLUS_OBJECT = 0x11;

    /** Default bound on nesting of objects and arrays. */
    public static final int DEFAULT_MAX_DEPTH = 16;
    /** Default bound on the entries of one object or array built by {@link #readValue()}. */
    public static final int DEFAULT_MAX_ENTRIES = 1024;

    /** The value {@link #readValue()} returns for AMF undefined (null stands for AMF null). */
    public static final Object UNDEFINED_VALUE = new Object() {
        @Override
        public String toString() {
            return "undefined";
        }
    };

    final int maxDepth;
    final int maxEntries;
    private final FailureCounts<AmfFailure> failures;
    private final Amf0Values values = new Amf0Values(this);

    // Package-private for Amf0Values, the value walker behind skipValue() and readValue().
    ByteBuffer buffer;
    int position;
    int end;
    AmfFailure failure;
    int depth;
    private int keyOffset;
    private int keyLength;
    int stringOffset;
    int stringLength;

    /** A reader with the default bounds that counts nothing. */
    public Amf0Reader() {
        this(DEFAULT_MAX_DEPTH, DEFAULT_MAX_ENTRIES, null);
    }

    /**
     * @param maxDepth deepest nesting of objects/arrays accepted (at least 1)
     * @param maxEntries most entries of one object or array {@link #readValue()} builds
     * @param failures where failures are counted per reason; {@code null} to count nothing
     */
    public Amf0Reader(int maxDepth, int maxEntries, FailureCounts<AmfFailure> failures) {
        if (maxDepth < 1 || maxEntries < 1) {
            throw new IllegalArgumentException("maxDepth and maxEntries must be positive");
        }
        this.maxDepth = maxDepth;
        this.maxEntries = maxEntries;
        this.failures = failures;
    }

    /**
     * Points the cursor at {@code buffer[offset, offset + length)} and clears any failure. The
     * buffer's position, limit and byte order are not changed.
     *
     * @return {@code false} (failure {@link AmfFailure#TRUNCATED}) when the range is outside the
     *     buffer's limit
     */
    public boolean wrap(ByteBuffer buffer, int offset, int length) {
        failure = null;
        depth = 0;
        if (!Wire.inBounds(buffer, offset, length)) {
            this.buffer = null;
            this.position = 0;
            this.end = 0;
            fail(AmfFailure.TRUNCATED);
            return false;
        }
        this.buffer = buffer;
        this.position = offset;
        this.end = offset + length;
        return true;
    }

    /** Why a read failed, {@code null} while every read succeeded. */
    public AmfFailure failure() {
        return failure;
    }

    /** Absolute index of the next byte to read. */
    public int position() {
        return position;
    }

    /** Moves the cursor (to an index this reader returned from {@link #position()}). */
    public void position(int index) {
        if (index < 0 || index > end) {
            throw new IndexOutOfBoundsException("position " + index + " outside 0.." + end);
        }
        position = index;
    }

    /** Absolute index after the last byte of the wrapped range. */
    public int end() {
        return end;
    }

    /** The wrapped buffer. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Whether unread bytes remain (and no read failed). */
    public boolean hasRemaining() {
        return failure == null && position < end;
    }

    /** The marker of the next value, or -1 at the end or after a failure. */
    public int peekMarker() {
        return hasRemaining() ? Wire.getUnsignedByte(buffer, position) : -1;
    }

    /** Reads a number; {@code NaN} and a failure when the next value is not one. */
    public double readNumber() {
        if (!expect(NUMBER, 8)) {
            return Double.NaN;
        }
        double v = Wire.getDouble(buffer, position + 1);
        position += 9;
        return v;
    }

    /** Reads a boolean; {@code false} and a failure when the next value is not one. */
    public boolean readBoolean() {
        if (!expect(BOOLEAN, 1)) {
            return false;
        }
        boolean v = buffer.get(position + 1) != 0;
        position += 2;
        return v;
    }

    /** Reads a null or undefined; {@code false} and a failure when the next value is neither. */
    public boolean readNull() {
        int marker = peekMarker();
        if (marker == NULL || marker == UNDEFINED) {
            position++;
            return true;
        }
        return unexpected(marker);
    }

    /**
     * Reads a string or long string without decoding it: its bytes are at
     * {@link #stringOffset()} for {@link #stringLength()} bytes.
     *
     * @return {@code false} and a failure when the next value is not a string
     */
    public boolean skipString() {
        int marker = peekMarker();
        if (marker == STRING) {
            if (!need(3)) {
                return false;
            }
            int n = Wire.getUnsignedShort(buffer, position + 1);
            if (!need(3 + n)) {
                return false;
            }
            stringOffset = position + 3;
            stringLength = n;
            position += 3 + n;
            return true;
        }
        if (marker == LONG_STRING) {
            if (!need(5)) {
                return false;
            }
            long n = Integer.toUnsignedLong(Wire.getInt(buffer, position + 1));
            if (n > end - position - 5) {
                return fail(AmfFailure.TRUNCATED);
            }
            stringOffset = position + 5;
            stringLength = (int) n;
            position += 5 + (int) n;
            return true;
        }
        return unexpected(marker);
    }

    /** Start of the bytes of the string last read by {@link #skipString()} or {@link #readStringEquals}. */
    public int stringOffset() {
        return stringOffset;
    }

    /** Length in bytes of the string last read by {@link #skipString()} or {@link #readStringEquals}. */
    public int stringLength() {
        return stringLength;
    }

    /** Reads a string (UTF-8 decoded, allocating); {@code null} and a failure when not a string. */
    public String readString() {
        return skipString() ? utf8(stringOffset, stringLength) : null;
    }

    /**
     * Reads a string and compares it with {@code expected} (ASCII compared byte for byte, no
     * allocation).
     *
     * @return whether the string equals {@code expected}; {@code false} and a failure when the
     *     next value is not a string
     */
    public boolean readStringEquals(String expected) {
        return skipString() && regionEquals(stringOffset, stringLength, expected);
    }

    /**
     * Enters an object, ECMA array or typed object (the class name is skipped); then call
     * {@link #nextKey()} until it returns {@code false}.
     *
     * @return {@code false} and a failure for another type or nesting deeper than the bound
     */
    public boolean readObjectStart() {
        int marker = peekMarker();
        int header;
        if (marker == OBJECT) {
            header = 1;
        } else if (marker == ECMA_ARRAY) {
            header = 5;
        } else if (marker == TYPED_OBJECT) {
            if (!need(3)) {
                return false;
            }
            header = 3 + Wire.getUnsignedShort(buffer, position + 1);
        } else {
            return unexpected(marker);
        }
        if (!need(header)) {
            return false;
        }
        if (depth >= maxDepth) {
            return fail(AmfFailure.TOO_DEEP);
        }
        depth++;
        position += header;
        return true;
    }

    /**
     * Reads the next key of the object entered with {@link #readObjectStart()}; the cursor is
     * then on that key's value, which the caller reads or {@link #skipValue() skips}.
     *
     * @return {@code true} for a key ({@link #keyEquals(String)}, {@link #key()}); {@code false}
     *     at the object's end (consumed) or on failure
     */
    public boolean nextKey() {
        if (failure != null || !need(2)) {
            return false;
        }
        int n = Wire.getUnsignedShort(buffer, position);
        if (n == 0) {
            if (!need(3)) {
                return false;
            }
            if (Wire.getUnsignedByte(buffer, position + 2) != OBJECT_END) {
                // An empty key with a value is legal AMF0; the object goes on.
                keyOffset = position + 2;
                keyLength = 0;
                position += 2;
                return true;
            }
            position += 3;
            depth--;
            return false;
        }
        if (!need(2 + n)) {
            return false;
        }
        keyOffset = position + 2;
        keyLength = n;
        position += 2 + n;
        return true;
    }

    /** Whether the key last read by {@link #nextKey()} equals {@code expected} (no allocation). */
    public boolean keyEquals(String expected) {
        return regionEquals(keyOffset, keyLength, expected);
    }

    /** The key last read by {@link #nextKey()} (allocating). */
    public String key() {
        return utf8(keyOffset, keyLength);
    }

    /**
     * Skips one value of any type, nested objects and arrays included (bounded by the depth
     * bound), AMF3 values after an avmplus marker too.
     *
     * @return {@code false} and a failure when the value is truncated, too deep or unsupported
     */
    public boolean skipValue() {
        return values.walk(false, 0) != Amf0Values.FAILED;
    }

    /**
     * Reads one value into plain Java values: {@link Double}, {@link Boolean}, {@link String},
     * {@code null}, {@link #UNDEFINED_VALUE}, {@code Map<String, Object>} (objects, ECMA arrays,
     * typed objects; insertion order kept), {@code List<Object>} (strict arrays),
     * {@link java.time.Instant} (dates); after an avmplus marker, AMF3 values map the same way
     * (AMF3 integers as {@link Integer}, byte arrays as {@code byte[]}). Allocates; for rare
     * messages such as {@code connect}.
     *
     * @return the value, or {@code null} with {@link #failure()} set
     */
    public Object readValue() {
        Object v = values.walk(true, 0);
        return v == Amf0Values.FAILED ? null : v;
    }

    /** Reads every remaining value with {@link #readValue()}; stops at the first failure. */
    public List<Object> readRemainingValues() {
        List<Object> out = new ArrayList<>();
        while (hasRemaining()) {
            Object v = readValue();
            if (failure != null) {
                break;
            }
            out.add(v);
        }
        return out;
    }

    private boolean expect(int marker, int bodyLength) {
        int actual = peekMarker();
        if (actual != marker) {
            return unexpected(actual);
        }
        return need(1 + bodyLength);
    }

    private boolean unexpected(int marker) {
        return fail(marker < 0 ? AmfFailure.TRUNCATED : AmfFailure.UNEXPECTED_TYPE);
    }

    boolean need(int bytes) {
        if (failure != null) {
            return false;
        }
        if (bytes > end - position) {
            return fail(AmfFailure.TRUNCATED);
        }
        return true;
    }

    boolean fail(AmfFailure reason) {
        if (failure == null) {
            failure = reason;
            if (failures != null) {
                failures.increment(reason);
            }
        }
        return false;
    }

    private boolean regionEquals(int offset, int length, String expected) {
        if (failure != null) {
            return false;
        }
        int n = expected.length();
        for (int i = 0; i < n; i++) {
            if (expected.charAt(i) > 0x7F) {
                return utf8(offset, length).equals(expected);
            }
        }
        if (length != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (buffer.get(offset + i) != (byte) expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    String utf8(int offset, int length) {
        byte[] bytes = new byte[length];
        buffer.get(offset, bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
