package dev.originproxy.srt.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Big-endian field access at absolute indexes of a {@link ByteBuffer}, whatever byte order the
 * caller has set on that buffer (SRT is network order on the wire, and a flyweight must not
 * change its caller's buffer state). Callers check bounds before calling.
 *
 * <p>Stateless and thread-safe.
 */
public final class Wire {
    // Plain get/set on a byte-buffer view handle tolerate unaligned indexes and allocate nothing.
    private static final VarHandle INT =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT =
            MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private Wire() {
    }

    /** {@code true} when {@code [offset, offset + length)} lies inside {@code [0, limit)}. */
    public static boolean inBounds(ByteBuffer buffer, int offset, int length) {
        return buffer != null && offset >= 0 && length >= 0 && offset <= buffer.limit() - length;
    }

    /** The 32-bit big-endian word at {@code index}. */
    public static int getInt(ByteBuffer buffer, int index) {
        return (int) INT.get(buffer, index);
    }

    /** Writes a 32-bit big-endian word at {@code index}. */
    public static void putInt(ByteBuffer buffer, int index, int value) {
        INT.set(buffer, index, value);
    }

    /** The unsigned 16-bit big-endian value at {@code index}. */
    public static int getUnsignedShort(ByteBuffer buffer, int index) {
        return ((short) SHORT.get(buffer, index)) & 0xFFFF;
    }

    /** Writes the low 16 bits of {@code value} big-endian at {@code index}. */
    public static void putShort(ByteBuffer buffer, int index, int value) {
        SHORT.set(buffer, index, (short) value);
    }
}
