package dev.originproxy.core.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Field access at absolute indexes of a {@link ByteBuffer}, big-endian (network order: SRT,
 * RTMP, STUN) and little-endian where a protocol says so (SRT stream id words, the RTMP type-0
 * message stream id), whatever byte order the caller has set on that buffer: a flyweight must
 * not change its caller's buffer state. The one place for wire-order field access in the
 * project's codecs. Callers check bounds before calling.
 *
 * <p>Stateless and thread-safe.
 */
public final class Wire {
    // Plain get/set on byte-buffer view handles tolerate unaligned indexes and allocate nothing.
    private static final VarHandle INT_BE =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_LE =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_BE =
            MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_BE =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Wire() {
    }

    /** {@code true} when {@code [offset, offset + length)} lies inside {@code [0, limit)}. */
    public static boolean inBounds(ByteBuffer buffer, int offset, int length) {
        return buffer != null && offset >= 0 && length >= 0 && offset <= buffer.limit() - length;
    }

    /** The unsigned byte at {@code index}. */
    public static int getUnsignedByte(ByteBuffer buffer, int index) {
        return buffer.get(index) & 0xFF;
    }

    /** The 32-bit big-endian word at {@code index}. */
    public static int getInt(ByteBuffer buffer, int index) {
        return (int) INT_BE.get(buffer, index);
    }

    /** Writes a 32-bit big-endian word at {@code index}. */
    public static void putInt(ByteBuffer buffer, int index, int value) {
        INT_BE.set(buffer, index, value);
    }

    /** The 32-bit little-endian word at {@code index}. */
    public static int getIntLittleEndian(ByteBuffer buffer, int index) {
        return (int) INT_LE.get(buffer, index);
    }

    /** Writes a 32-bit little-endian word at {@code index}. */
    public static void putIntLittleEndian(ByteBuffer buffer, int index, int value) {
        INT_LE.set(buffer, index, value);
    }

    /** The unsigned 24-bit big-endian value at {@code index}. */
    public static int getUnsignedMedium(ByteBuffer buffer, int index) {
        return (buffer.get(index) & 0xFF) << 16 | (buffer.get(index + 1) & 0xFF) << 8
                | (buffer.get(index + 2) & 0xFF);
    }

    /** Writes the low 24 bits of {@code value} big-endian at {@code index}. */
    public static void putMedium(ByteBuffer buffer, int index, int value) {
        buffer.put(index, (byte) (value >>> 16));
        buffer.put(index + 1, (byte) (value >>> 8));
        buffer.put(index + 2, (byte) value);
    }

    /** The unsigned 16-bit big-endian value at {@code index}. */
    public static int getUnsignedShort(ByteBuffer buffer, int index) {
        return ((short) SHORT_BE.get(buffer, index)) & 0xFFFF;
    }

    /** Writes the low 16 bits of {@code value} big-endian at {@code index}. */
    public static void putShort(ByteBuffer buffer, int index, int value) {
        SHORT_BE.set(buffer, index, (short) value);
    }

    /** The 64-bit big-endian IEEE 754 double at {@code index} (AMF0 numbers). */
    public static double getDouble(ByteBuffer buffer, int index) {
        return Double.longBitsToDouble((long) LONG_BE.get(buffer, index));
    }

    /** Writes a 64-bit big-endian IEEE 754 double at {@code index}. */
    public static void putDouble(ByteBuffer buffer, int index, double value) {
        LONG_BE.set(buffer, index, Double.doubleToRawLongBits(value));
    }
}
