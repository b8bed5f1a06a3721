package dev.originproxy.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Encodes STUN messages (RFC 8489 §5, §14; ICE attributes of RFC 8445 §16.1) into a
 * caller-supplied {@link ByteBuffer}: Binding requests and success/error responses with USERNAME,
 * PRIORITY, ICE-CONTROLLED/ICE-CONTROLLING, USE-CANDIDATE, XOR-MAPPED-ADDRESS, ERROR-CODE,
 * SOFTWARE or any other attribute, then MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
 * FINGERPRINT.
 *
 * <pre>{@code
 * int n = writer.start(buf, 0, StunMessageType.BINDING_SUCCESS_RESPONSE, request)
 *         .xorMappedAddress(clientAddress, 0, 4, clientPort)
 *         .messageIntegrity(key)
 *         .fingerprint()
 *         .finish();          // message length, or -1
 * }</pre>
 *
 * <p>Attributes are written in call order; the header's length field is kept up to date after
 * each one. Writes use absolute indices, so the buffer's position, limit and byte order are
 * untouched; the message must fit below the limit. Instead of throwing, any misuse (no room,
 * an attribute after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 or FINGERPRINT,
 * anything after FINGERPRINT, an out-of-range value) poisons the message and {@link #finish()}
 * returns -1. Padding bytes are zero unless {@link #paddingByte(int)} says otherwise; receivers
 * ignore them (§14).
 *
 * <p>Nothing is allocated per message except by the overloads documented as allocating
 * ({@link #xorMappedAddress(InetSocketAddress)}, and text that is not in a {@link String} or
 * other {@link CharSequence} that {@code charAt} serves without allocating).
 *
 * <p>Not thread-safe: it keeps digest state and the message being written. One per thread.
 */
public final class StunMessageWriter {

    private final StunCrypto crypto = new StunCrypto();
    private byte padding;

    private ByteBuffer buffer;
    private int start;
    private int position;
    private boolean failed = true;
    private boolean afterIntegrity;
    private boolean afterIntegritySha256;
    private boolean afterFingerprint;

    /** Creates a writer with its own digest state. */
    public StunMessageWriter() {
    }

    /**
     * Sets the byte used to pad attribute values to 4 bytes (default 0). Lasts until changed.
     * RFC 5769's vectors pad with spaces ({@code 0x20}).
     *
     * @param value the padding byte (low 8 bits are used)
     * @return this writer
     */
    public StunMessageWriter paddingByte(int value) {
        this.padding = (byte) value;
        return this;
    }

    /**
     * Starts a message: writes the header (type, length 0, magic cookie, transaction id).
     *
     * @param buf the destination buffer
     * @param offset absolute index of the first header byte
     * @param messageType the 14-bit type, e.g. {@link StunMessageType#BINDING_REQUEST}
     * @param transactionId the array holding the 12-byte transaction id
     * @param transactionIdOffset where the transaction id starts in that array
     * @return this writer
     */
    public StunMessageWriter start(ByteBuffer buf, int offset, int messageType,
            byte[] transactionId, int transactionIdOffset) {
        if (!startHeader(buf, offset, messageType)) {
            return this;
        }
        if (transactionId == null || transactionIdOffset < 0
                || transactionIdOffset > transactionId.length - StunMessage.TRANSACTION_ID_LENGTH) {
            failed = true;
            return this;
        }
        for (int i = 0; i < StunMessage.TRANSACTION_ID_LENGTH; i++) {
            buf.put(offset + 8 + i, transactionId[transactionIdOffset + i]);
        }
        return this;
    }

    /**
     * Starts a response to a request: writes the header with the request's transaction id.
     *
     * @param buf the destination buffer (may not be the request's bytes)
     * @param offset absolute index of the first header byte
     * @param messageType the 14-bit type, e.g. {@link StunMessageType#BINDING_SUCCESS_RESPONSE}
     * @param request a valid wrapped request
     * @return this writer
     */
    public StunMessageWriter start(ByteBuffer buf, int offset, int messageType,
            StunMessage request) {
        if (!startHeader(buf, offset, messageType)) {
            return this;
        }
        if (request == null || !request.isValid()) {
            failed = true;
            return this;
        }
        ByteBuffer src = request.buffer();
        int from = request.offset() + 8;
        for (int i = 0; i < StunMessage.TRANSACTION_ID_LENGTH; i++) {
            buf.put(offset + 8 + i, src.get(from + i));
        }
        return this;
    }

    private boolean startHeader(ByteBuffer buf, int offset, int messageType) {
        buffer = buf;
        start = offset;
        position = offset;
        afterIntegrity = false;
        afterIntegritySha256 = false;
        afterFingerprint = false;
        failed = buf == null || buf.isReadOnly() || offset < 0
                || offset > buf.limit() - StunMessage.HEADER_LENGTH
                || (messageType & ~0x3FFF) != 0;
        if (failed) {
            return false;
        }
        put16(offset, messageType);
        put16(offset + 2, 0);
        put32(offset + 4, StunMessage.MAGIC_COOKIE);
        position = offset + StunMessage.HEADER_LENGTH;
        return true;
    }

    /**
     * Adds USERNAME (RFC 8489 §14.3).
     *
     * @param value the array holding the UTF-8 username
     * @param off where it starts
     * @param len its length, 1 to 513 bytes
     * @return this writer
     */
    public StunMessageWriter username(byte[] value, int off, int len) {
        if (len < 1 || len > StunMessage.MAX_USERNAME_LENGTH) {
            failed = true;
            return this;
        }
        return attribute(StunAttribute.USERNAME, value, off, len);
    }

    /**
     * Adds USERNAME (RFC 8489 §14.3), encoded as UTF-8 without an intermediate array.
     *
     * @param value the username, 1 to 513 UTF-8 bytes
     * @return this writer
     */
    public StunMessageWriter username(CharSequence value) {
        return text(StunAttribute.USERNAME, value, 1, StunMessage.MAX_USERNAME_LENGTH, 0);
    }

    /**
     * Adds SOFTWARE (RFC 8489 §14.14).
     *
     * @param value the software description, at most 763 UTF-8 bytes
     * @return this writer
     */
    public StunMessageWriter software(CharSequence value) {
        return text(StunAttribute.SOFTWARE, value, 0, StunMessage.MAX_ERROR_REASON_LENGTH, 0);
    }

    /**
     * Adds PRIORITY (RFC 8445 §16.1).
     *
     * @param priority the candidate priority, an unsigned 32-bit value
     * @return this writer
     */
    public StunMessageWriter priority(int priority) {
        int v = beginAttribute(StunAttribute.PRIORITY, 4);
        if (v >= 0) {
            put32(v, priority);
        }
        return this;
    }

    /**
     * Adds ICE-CONTROLLED (RFC 8445 §16.1).
     *
     * @param tieBreaker the 64-bit tie-breaker
     * @return this writer
     */
    public StunMessageWriter iceControlled(long tieBreaker) {
        int v = beginAttribute(StunAttribute.ICE_CONTROLLED, 8);
        if (v >= 0) {
            put64(v, tieBreaker);
        }
        return this;
    }

    /**
     * Adds ICE-CONTROLLING (RFC 8445 §16.1).
     *
     * @param tieBreaker the 64-bit tie-breaker
     * @return this writer
     */
    public StunMessageWriter iceControlling(long tieBreaker) {
        int v = beginAttribute(StunAttribute.ICE_CONTROLLING, 8);
        if (v >= 0) {
            put64(v, tieBreaker);
        }
        return this;
    }

    /**
     * Adds USE-CANDIDATE (RFC 8445 §16.1), which has no value.
     *
     * @return this writer
     */
    public StunMessageWriter useCandidate() {
        beginAttribute(StunAttribute.USE_CANDIDATE, 0);
        return this;
    }

    /**
     * Adds XOR-MAPPED-ADDRESS (RFC 8489 §14.2) without allocating.
     *
     * @param address the array holding the address in network byte order
     * @param off where it starts
     * @param len 4 for IPv4, 16 for IPv6
     * @param port the port, 0 to 65535
     * @return this writer
     */
    public StunMessageWriter xorMappedAddress(byte[] address, int off, int len, int port) {
        if (address == null || (len != 4 && len != 16) || off < 0 || off > address.length - len
                || (port & ~0xFFFF) != 0) {
            failed = true;
            return this;
        }
        int v = beginAttribute(StunAttribute.XOR_MAPPED_ADDRESS, 4 + len);
        if (v < 0) {
            return this;
        }
        buffer.put(v, (byte) 0);
        buffer.put(v + 1, (byte) (len == 4 ? StunMessage.FAMILY_IPV4 : StunMessage.FAMILY_IPV6));
        put16(v + 2, port ^ (StunMessage.MAGIC_COOKIE >>> 16));
        // The XOR pad is the magic cookie followed by the transaction id: header bytes 4..19.
        for (int i = 0; i < len; i++) {
            buffer.put(v + 4 + i, (byte) (address[off + i] ^ buffer.get(start + 4 + i)));
        }
        return this;
    }

    /**
     * Adds XOR-MAPPED-ADDRESS (RFC 8489 §14.2). Allocates (the address bytes are cloned by
     * {@link InetAddress#getAddress()}); the array overload does not.
     *
     * @param address the resolved transport address
     * @return this writer
     */
    public StunMessageWriter xorMappedAddress(InetSocketAddress address) {
        InetAddress ip = address == null ? null : address.getAddress();
        if (ip == null) {
            failed = true;
            return this;
        }
        byte[] raw = ip.getAddress();
        return xorMappedAddress(raw, 0, raw.length, address.getPort());
    }

    /**
     * Adds ERROR-CODE (RFC 8489 §14.8).
     *
     * @param code the error code, 300 to 699 (e.g. 400, 401, 487)
     * @param reason the reason phrase, at most 763 UTF-8 bytes
     * @return this writer
     */
    public StunMessageWriter errorCode(int code, CharSequence reason) {
        if (code < 300 || code > 699) {
            failed = true;
            return this;
        }
        int cls = code / 100;
        int number = code % 100;
        int word = (cls << 8) | number;
        return text(StunAttribute.ERROR_CODE, reason == null ? "" : reason, 0,
                StunMessage.MAX_ERROR_REASON_LENGTH, word);
    }

    /**
     * Adds any attribute with a value copied from an array.
     *
     * @param type the attribute type
     * @param value the array holding the value
     * @param off where it starts
     * @param len its length, 0 to 65535
     * @return this writer
     */
    public StunMessageWriter attribute(int type, byte[] value, int off, int len) {
        if (value == null || len < 0 || off < 0 || off > value.length - len
                || (type & ~0xFFFF) != 0) {
            failed = true;
            return this;
        }
        int v = beginAttribute(type, len);
        for (int i = 0; v >= 0 && i < len; i++) {
            buffer.put(v + i, value[off + i]);
        }
        return this;
    }

    /**
     * Adds any attribute with a value copied from a buffer (an attribute of another message,
     * e.g. when re-signing an answer), without allocating.
     *
     * @param type the attribute type
     * @param src the buffer holding the value
     * @param off absolute index where it starts
     * @param len its length, 0 to 65535
     * @return this writer
     */
    public StunMessageWriter attribute(int type, ByteBuffer src, int off, int len) {
        if (src == null || len < 0 || len > 0xFFFF || off < 0 || off > src.limit() - len
                || (type & ~0xFFFF) != 0) {
            failed = true;
            return this;
        }
        int v = beginAttribute(type, len);
        for (int i = 0; v >= 0 && i < len; i++) {
            buffer.put(v + i, src.get(off + i));
        }
        return this;
    }

    /**
     * Adds MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 of everything written so far, with the
     * length field counting this attribute. Only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may
     * follow.
     *
     * @param key the short-term key
     * @return this writer
     */
    public StunMessageWriter messageIntegrity(StunIntegrityKey key) {
        return integrity(StunAttribute.MESSAGE_INTEGRITY, StunCrypto.SHA1_LENGTH, false, key);
    }

    /**
     * Adds MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), untruncated (32 bytes). Only FINGERPRINT
     * may follow.
     *
     * @param key the short-term key
     * @return this writer
     */
    public StunMessageWriter messageIntegritySha256(StunIntegrityKey key) {
        return integrity(StunAttribute.MESSAGE_INTEGRITY_SHA256, StunCrypto.SHA256_LENGTH, true,
                key);
    }

    private StunMessageWriter integrity(int type, int macLength, boolean sha256,
            StunIntegrityKey key) {
        if (key == null) {
            failed = true;
            return this;
        }
        int v = beginAttribute(type, macLength);
        if (v < 0) {
            return this;
        }
        int at = v - StunMessage.ATTRIBUTE_HEADER_LENGTH;
        if (!crypto.hmac(sha256, key, buffer, start, at, position - start
                - StunMessage.HEADER_LENGTH)) {
            failed = true;
            return this;
        }
        for (int i = 0; i < macLength; i++) {
            buffer.put(v + i, crypto.mac[i]);
        }
        afterIntegrity = true;
        afterIntegritySha256 |= sha256;
        return this;
    }

    /**
     * Adds FINGERPRINT (RFC 8489 §14.7), which must be the last attribute.
     *
     * @return this writer
     */
    public StunMessageWriter fingerprint() {
        int v = beginAttribute(StunAttribute.FINGERPRINT, 4);
        if (v >= 0) {
            int at = v - StunMessage.ATTRIBUTE_HEADER_LENGTH;
            put32(v, crypto.crc32(buffer, start, at) ^ StunMessage.FINGERPRINT_XOR);
            afterFingerprint = true;
        }
        return this;
    }

    /**
     * Ends the message.
     *
     * @return the whole message length in bytes (header included), or -1 if anything went wrong
     *     since {@code start}
     */
    public int finish() {
        return failed ? -1 : position - start;
    }

    // ---------------------------------------------------------------- internals

    /**
     * Reserves an attribute of {@code len} value bytes: writes its header and padding and
     * updates the message length. Returns the absolute index of the value, or -1 (and poisons
     * the message) if it may not or cannot be added.
     */
    private int beginAttribute(int type, int len) {
        if (failed || afterFingerprint
                || (afterIntegritySha256 && type != StunAttribute.FINGERPRINT)
                || (afterIntegrity && type != StunAttribute.FINGERPRINT
                        && type != StunAttribute.MESSAGE_INTEGRITY_SHA256)) {
            failed = true;
            return -1;
        }
        int padded = (len + 3) & ~3;
        int total = position - start + StunMessage.ATTRIBUTE_HEADER_LENGTH + padded;
        if (len > 0xFFFF || total - StunMessage.HEADER_LENGTH > 0xFFFF
                || total > buffer.limit() - start) {
            failed = true;
            return -1;
        }
        put16(position, type);
        put16(position + 2, len);
        int value = position + StunMessage.ATTRIBUTE_HEADER_LENGTH;
        for (int i = value + len; i < value + padded; i++) {
            buffer.put(i, padding);
        }
        position = value + padded;
        put16(start + 2, position - start - StunMessage.HEADER_LENGTH);
        return value;
    }

    /** Writes a text attribute, optionally preceded by a 32-bit word (ERROR-CODE). */
    private StunMessageWriter text(int type, CharSequence value, int minBytes, int maxBytes,
            int word) {
        if (value == null) {
            failed = true;
            return this;
        }
        int prefix = type == StunAttribute.ERROR_CODE ? 4 : 0;
        int bytes = utf8Length(value);
        if (bytes < minBytes || bytes > maxBytes) {
            failed = true;
            return this;
        }
        int v = beginAttribute(type, prefix + bytes);
        if (v < 0) {
            return this;
        }
        if (prefix == 4) {
            put32(v, word);
        }
        writeUtf8(v + prefix, value);
        return this;
    }

    // UTF-8 by hand so that a String username costs no byte[] per message.
    private static int utf8Length(CharSequence s) {
        int n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n += 1;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private void writeUtf8(int at, CharSequence s) {
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                buffer.put(at++, (byte) c);
            } else if (c < 0x800) {
                buffer.put(at++, (byte) (0xC0 | (c >> 6)));
                buffer.put(at++, (byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < len
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buffer.put(at++, (byte) (0xF0 | (cp >> 18)));
                buffer.put(at++, (byte) (0x80 | ((cp >> 12) & 0x3F)));
                buffer.put(at++, (byte) (0x80 | ((cp >> 6) & 0x3F)));
                buffer.put(at++, (byte) (0x80 | (cp & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                // A lone surrogate becomes '?', as String.getBytes(UTF_8) does.
                buffer.put(at++, (byte) '?');
            } else {
                buffer.put(at++, (byte) (0xE0 | (c >> 12)));
                buffer.put(at++, (byte) (0x80 | ((c >> 6) & 0x3F)));
                buffer.put(at++, (byte) (0x80 | (c & 0x3F)));
            }
        }
    }

    private void put16(int at, int v) {
        buffer.put(at, (byte) (v >>> 8));
        buffer.put(at + 1, (byte) v);
    }

    private void put32(int at, int v) {
        put16(at, v >>> 16);
        put16(at + 2, v);
    }

    private void put64(int at, long v) {
        put32(at, (int) (v >>> 32));
        put32(at + 4, (int) v);
    }
}
