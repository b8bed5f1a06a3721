package dev.originproxy.rtmp;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.originproxy.core.wire.Wire;

/**
 * Writes AMF0 values (layout drawn in {@link Amf0Reader}) into a buffer region, for the command
 * and data messages a proxy sends ({@code _result}, {@code onStatus}, {@code connect},
 * {@code publish}...).
 *
 * <p>Strings are UTF-8 encoded in place without allocating; a string of more than 65,535 bytes
 * becomes a long string. Overflow is sticky: a write that does not fit writes nothing, sets
 * {@link #overflowed()}, and every later write is ignored, so a caller writes a whole message
 * then checks once. The buffer's position, limit and byte order are not changed.
 *
 * <p>Not thread-safe: one per thread, re-wrapped per message.
 */
public final class Amf0Writer {
    private ByteBuffer buffer;
    private int start;
    private int position;
    private int end;
    private boolean overflowed;

    /** An unwrapped writer: {@link #wrap} it before writing. */
    public Amf0Writer() {
    }

    /**
     * Points the writer at {@code buffer[offset, offset + capacity)}.
     *
     * @return this writer
     * @throws IndexOutOfBoundsException when the region is outside the buffer's limit
     */
    public Amf0Writer wrap(ByteBuffer buffer, int offset, int capacity) {
        if (!Wire.inBounds(buffer, offset, capacity)) {
            throw new IndexOutOfBoundsException("region " + offset + "+" + capacity + " outside the buffer");
        }
        this.buffer = buffer;
        this.start = offset;
        this.position = offset;
        this.end = offset + capacity;
        this.overflowed = false;
        return this;
    }

    /** Whether a write did not fit (then nothing after it was written). */
    public boolean overflowed() {
        return overflowed;
    }

    /** Bytes written since {@link #wrap}. */
    public int length() {
        return position - start;
    }

    /** Absolute index of the next byte to write. */
    public int position() {
        return position;
    }

    /** Writes a number. */
    public Amf0Writer writeNumber(double value) {
        if (room(9)) {
            buffer.put(position, (byte) Amf0Reader.NUMBER);
            Wire.putDouble(buffer, position + 1, value);
            position += 9;
        }
        return this;
    }

    /** Writes a boolean. */
    public Amf0Writer writeBoolean(boolean value) {
        if (room(2)) {
            buffer.put(position, (byte) Amf0Reader.BOOLEAN);
            buffer.put(position + 1, (byte) (value ? 1 : 0));
            position += 2;
        }
        return this;
    }

    /** Writes null. */
    public Amf0Writer writeNull() {
        return marker(Amf0Reader.NULL);
    }

    /** Writes undefined. */
    public Amf0Writer writeUndefined() {
        return marker(Amf0Reader.UNDEFINED);
    }

    /** Writes a string (a long string beyond 65,535 UTF-8 bytes); {@code null} writes null. */
    public Amf0Writer writeString(CharSequence value) {
        if (value == null) {
            return writeNull();
        }
        int n = utf8Length(value);
        boolean isLong = n > 0xFFFF;
        int header = isLong ? 5 : 3;
        if (room(header + n)) {
            if (isLong) {
                buffer.put(position, (byte) Amf0Reader.LONG_STRING);
                Wire.putInt(buffer, position + 1, n);
            } else {
                buffer.put(position, (byte) Amf0Reader.STRING);
                Wire.putShort(buffer, position + 1, n);
            }
            position += header;
            position = putUtf8(value, position);
        }
        return this;
    }

    /** Writes a date (ms since the epoch, time zone 0 as the specification asks). */
    public Amf0Writer writeDate(double epochMillis) {
        if (room(11)) {
            buffer.put(position, (byte) Amf0Reader.DATE);
            Wire.putDouble(buffer, position + 1, epochMillis);
            Wire.putShort(buffer, position + 9, 0);
            position += 11;
        }
        return this;
    }

    /** Starts an anonymous object: then {@link #writeKey} and a value, repeatedly, then {@link #writeObjectEnd()}. */
    public Amf0Writer writeObjectStart() {
        return marker(Amf0Reader.OBJECT);
    }

    /** Starts an ECMA array with a count hint; end it with {@link #writeObjectEnd()}. */
    public Amf0Writer writeEcmaArrayStart(int count) {
        if (room(5)) {
            buffer.put(position, (byte) Amf0Reader.ECMA_ARRAY);
            Wire.putInt(buffer, position + 1, count);
            position += 5;
        }
        return this;
    }

    /** Starts a strict array: {@code count} values follow. */
    public Amf0Writer writeStrictArrayStart(int count) {
        if (room(5)) {
            buffer.put(position, (byte) Amf0Reader.STRICT_ARRAY);
            Wire.putInt(buffer, position + 1, count);
            position += 5;
        }
        return this;
    }

    /** Writes an object key (at most 65,535 UTF-8 bytes; longer keys overflow). */
    public Amf0Writer writeKey(CharSequence key) {
        int n = utf8Length(key);
        if (n > 0xFFFF) {
            overflowed = true;
            return this;
        }
        if (room(2 + n)) {
            Wire.putShort(buffer, position, n);
            position = putUtf8(key, position + 2);
        }
        return this;
    }

    /** Ends an object or ECMA array (empty key and the object-end marker). */
    public Amf0Writer writeObjectEnd() {
        if (room(3)) {
            Wire.putShort(buffer, position, 0);
            buffer.put(position + 2, (byte) Amf0Reader.OBJECT_END);
            position += 3;
        }
        return this;
    }

    /** Copies already encoded AMF0 bytes (e.g. a value a {@link Amf0Reader} skipped over). */
    public Amf0Writer writeRaw(ByteBuffer src, int offset, int length) {
        if (room(length)) {
            buffer.put(position, src, offset, length);
            position += length;
        }
        return this;
    }

    /**
     * Writes a plain Java value: {@code null}, {@link Number} (as a double), {@link Boolean},
     * {@link CharSequence}, {@link Instant}, {@code Map<?, ?>} (an object, keys by
     * {@code toString()}), {@code List<?>} (a strict array), {@link Amf0Reader#UNDEFINED_VALUE}.
     *
     * @throws IllegalArgumentException for any other type, or nesting deeper than
     *     {@link Amf0Reader#DEFAULT_MAX_DEPTH}
     */
    public Amf0Writer writeValue(Object value) {
        return writeValue(value, 0);
    }

    private Amf0Writer writeValue(Object value, int level) {
        if (level > Amf0Reader.DEFAULT_MAX_DEPTH) {
            throw new IllegalArgumentException("value nested deeper than " + Amf0Reader.DEFAULT_MAX_DEPTH);
        }
        if (value == null) {
            return writeNull();
        }
        if (value == Amf0Reader.UNDEFINED_VALUE) {
            return writeUndefined();
        }
        if (value instanceof Number n) {
            return writeNumber(n.doubleValue());
        }
        if (value instanceof Boolean b) {
            return writeBoolean(b);
        }
        if (value instanceof CharSequence s) {
            return writeString(s);
        }
        if (value instanceof Instant i) {
            return writeDate(i.toEpochMilli());
        }
        if (value instanceof Map<?, ?> map) {
            writeObjectStart();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                writeKey(String.valueOf(e.getKey()));
                writeValue(e.getValue(), level + 1);
            }
            return writeObjectEnd();
        }
        if (value instanceof List<?> list) {
            writeStrictArrayStart(list.size());
            for (Object o : list) {
                writeValue(o, level + 1);
            }
            return this;
        }
        throw new IllegalArgumentException("no AMF0 form for " + value.getClass().getName());
    }

    private Amf0Writer marker(int marker) {
        if (room(1)) {
            buffer.put(position++, (byte) marker);
        }
        return this;
    }

    private boolean room(int bytes) {
        if (overflowed || buffer == null || bytes > end - position) {
            overflowed = true;
            return false;
        }
        return true;
    }

    /** UTF-8 length of a char sequence (unpaired surrogates count as '?', as the JDK encodes them). */
    static int utf8Length(CharSequence s) {
        int n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private int putUtf8(CharSequence s, int at) {
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                buffer.put(at++, (byte) c);
            } else if (c < 0x800) {
                buffer.put(at++, (byte) (0xC0 | c >> 6));
                buffer.put(at++, (byte) (0x80 | c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buffer.put(at++, (byte) (0xF0 | cp >> 18));
                buffer.put(at++, (byte) (0x80 | cp >> 12 & 0x3F));
                buffer.put(at++, (byte) (0x80 | cp >> 6 & 0x3F));
                buffer.put(at++, (byte) (0x80 | cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                buffer.put(at++, (byte) '?');
            } else {
                buffer.put(at++, (byte) (0xE0 | c >> 12));
                buffer.put(at++, (byte) (0x80 | c >> 6 & 0x3F));
                buffer.put(at++, (byte) (0x80 | c & 0x3F));
            }
        }
        return at;
    }
}
