package dev.originproxy.http.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The byte-level rules request and response heads share (RFC 9112 §2.2, §5): finding a CRLF line
 * end while refusing bare CR and bare LF, decimal fields, case-insensitive ASCII names. Reads in
 * place at absolute indices, allocates nothing except {@link #string}. Stateless and thread-safe.
 */
final class HeadBytes {
    /** {@link #lineEnd} found a LF not preceded by CR. */
    static final int BARE_LF = -2;
    /** {@link #lineEnd} found a CR not followed by LF. */
    static final int BARE_CR = -3;

    private HeadBytes() {
    }

    /**
     * The index of the LF ending the line that starts at {@code from}; -1 when no LF comes before
     * {@code limit} (a CR as the last byte is not yet bare), {@link #BARE_LF} or {@link #BARE_CR}.
     */
    static int lineEnd(ByteBuffer buffer, int from, int limit) {
        for (int i = from; i < limit; i++) {
            byte b = buffer.get(i);
            if (b == '\n') {
                return i == from || buffer.get(i - 1) != '\r' ? BARE_LF : i;
            }
            if (b == '\r' && i + 1 < limit && buffer.get(i + 1) != '\n') {
                return BARE_CR;
            }
        }
        return -1;
    }

    /** A non-negative decimal of at most 18 digits, or -1 (empty, a sign, any other byte). */
    static long decimal(ByteBuffer buffer, int from, int length) {
        if (length == 0 || length > 18) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < from + length; i++) {
            byte b = buffer.get(i);
            if (b < '0' || b > '9') {
                return -1;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    /** Whether the bytes equal {@code lower} (lower-case ASCII) ignoring ASCII case. */
    static boolean equalsIgnoreCase(ByteBuffer buffer, int from, int length, byte[] lower) {
        if (length != lower.length) {
            return false;
        }
        for (int k = 0; k < length; k++) {
            byte b = buffer.get(from + k);
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            if (b != lower[k]) {
                return false;
            }
        }
        return true;
    }

    /** The bytes as ISO-8859-1 text (RFC 9110 §5.5 obs-text kept byte for byte); allocates. */
    static String string(ByteBuffer buffer, int from, int length) {
        byte[] bytes = new byte[length];
        buffer.get(from, bytes, 0, length);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** ASCII bytes of a constant. */
    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
