package dev.originproxy.stun;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A flyweight over one STUN message in a {@link ByteBuffer} (RFC 8489 §5 header, §14
 * attributes, and the ICE attributes of RFC 8445 §16.1).
 *
 * <p>{@link #wrap(ByteBuffer, int, int)} validates the header and walks every attribute once,
 * remembering where the attributes an ICE router needs are; the accessors then read them in
 * place in O(1). Nothing is copied and, except for the methods documented as allocating
 * ({@link #username()}, {@link #errorReason()}, {@link #xorMappedAddress()}), nothing is
 * allocated. A message that fails validation makes {@code wrap} return {@code false}; no
 * exception is thrown for any content of the buffer. Accessors of a message whose last
 * {@code wrap} failed answer "absent" ({@code false}, {@code -1}, {@code 0} or {@code null}).
 *
 * <p>Validation rules: at least 20 bytes; the top two bits zero; the magic cookie
 * {@code 0x2112A442}; the length field a multiple of 4 and equal to the bytes after the header;
 * every attribute's value and padding inside the message; known attributes of their RFC size
 * (e.g. PRIORITY 4 bytes, MESSAGE-INTEGRITY 20, FINGERPRINT 4, USERNAME 1-513, XOR-MAPPED-ADDRESS
 * of family IPv4 or IPv6); nothing after FINGERPRINT (§14.7). Attributes after
 * MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and after
 * MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT, are ignored (§14.5, §14.6): they stay
 * visible to the raw attribute iteration but not to the accessors or
 * {@link #findAttribute(int)}. When a known attribute repeats, the first one counts. Padding
 * content is never looked at. Comprehension-required attributes this class does not know are
 * not rejected here: that policy belongs to the caller.
 *
 * <p>The buffer's byte order, position and limit do not matter and are never changed; offsets
 * are absolute indices into the buffer. The buffer must not change while it is wrapped.
 *
 * <p>Not thread-safe: reuse one instance per thread, re-wrapping it for each datagram.
 */
public final class StunMessage {

    /** Size of the STUN header (RFC 8489 §5). */
    public static final int HEADER_LENGTH = 20;
    /** The magic cookie (RFC 8489 §5). */
    public static final int MAGIC_COOKIE = 0x2112A442;
    /** Size of the transaction id (RFC 8489 §5). */
    public static final int TRANSACTION_ID_LENGTH = 12;
    /** The value FINGERPRINT's CRC-32 is XORed with (RFC 8489 §14.7). */
    public static final int FINGERPRINT_XOR = 0x5354554E;
    /** XOR-MAPPED-ADDRESS family value of IPv4 (RFC 8489 §14.1). */
    public static final int FAMILY_IPV4 = 0x01;
    /** XOR-MAPPED-ADDRESS family value of IPv6 (RFC 8489 §14.1). */
    public static final int FAMILY_IPV6 = 0x02;

    static final int ATTRIBUTE_HEADER_LENGTH = 4;
    static final int MAX_USERNAME_LENGTH = 513;
    static final int MAX_ERROR_REASON_LENGTH = 763;

    /** Big-endian reads from a byte array: a heap buffer's, or the caller's when comparing. */
    private static final VarHandle INT_BIG_ENDIAN =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_BIG_ENDIAN =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private ByteBuffer buffer;
    private boolean littleEndian;
    private boolean valid;
    private int offset;
    private int length;

    // Absolute index of each remembered attribute's header, -1 when absent or ignored.
    private int usernameAt;
    private int integrityAt;
    private int integritySha256At;
    private int fingerprintAt;
    private int xorMappedAddressAt;
    private int priorityAt;
    private int useCandidateAt;
    private int iceControlledAt;
    private int iceControllingAt;
    private int errorCodeAt;
    /** End of the attributes the accessors may see (§14.5: later ones are ignored). */
    private int honouredEnd;

    /** Creates an unwrapped message; {@link #isValid()} is false until a successful wrap. */
    public StunMessage() {
        clear();
    }

    /**
     * Wraps and validates a STUN message. Also resets everything remembered from the previous
     * wrap.
     *
     * @param buf the buffer holding the message (any byte order; position and limit ignored
     *     except that the message must lie below the limit)
     * @param offset absolute index of the first header byte
     * @param length the datagram length, header included
     * @return true if this is a well-formed STUN message; false otherwise, including for a
     *     null buffer or a range outside {@code [0, buf.limit())}
     */
    public boolean wrap(ByteBuffer buf, int offset, int length) {
        if (buf == null || offset < 0 || length < HEADER_LENGTH
                || offset > buf.limit() - length) {
            return fail();
        }
        boolean le = buf.order() == ByteOrder.LITTLE_ENDIAN;
        // Header word 0: the top two bits, the 14-bit type and the 16-bit length.
        int word0 = readInt(buf, le, offset);
        if ((word0 & 0xC0000000) != 0 || readInt(buf, le, offset + 4) != MAGIC_COOKIE) {
            return fail();
        }
        int declared = word0 & 0xFFFF;
        if ((declared & 3) != 0 || declared != length - HEADER_LENGTH) {
            return fail();
        }
        // One pass over the attributes, positions kept in locals and stored only on success. A
        // heap buffer's array is read directly (bounds-checked array access, no byte order).
        byte[] array = buf.hasArray() ? buf.array() : null;
        int arrayOffset = array != null ? buf.arrayOffset() : 0;
        int end = offset + length;
        int at = offset + HEADER_LENGTH;
        int honoured = end;
        boolean afterIntegrity = false;
        boolean afterIntegritySha256 = false;
        int username = -1;
        int integrity = -1;
        int integritySha256 = -1;
        int fingerprint = -1;
        int xorMappedAddress = -1;
        int priority = -1;
        int useCandidate = -1;
        int iceControlled = -1;
        int iceControlling = -1;
        int errorCode = -1;
        while (at < end) {
            // §14.7: nothing may follow FINGERPRINT.
            if (fingerprint >= 0 || end - at < ATTRIBUTE_HEADER_LENGTH) {
                return fail();
            }
            int header = array != null ? (int) INT_BIG_ENDIAN.get(array, arrayOffset + at)
                    : readInt(buf, le, at);
            int type = header >>> 16;
            int valueLength = header & 0xFFFF;
            int padded = (valueLength + 3) & ~3;
            if (padded > end - at - ATTRIBUTE_HEADER_LENGTH) {
                return fail();
            }
            switch (type) {
                case StunAttribute.FINGERPRINT:
                    if (valueLength != 4) {
                        return fail();
                    }
                    fingerprint = at;
                    break;
                case StunAttribute.MESSAGE_INTEGRITY_SHA256:
                    if (!afterIntegritySha256) {
                        // §14.6: 16 to 32 bytes, a multiple of 4 (a truncated HMAC-SHA256).
                        if (valueLength < 16 || valueLength > 32 || (valueLength & 3) != 0) {
                            return fail();
                        }
                        integritySha256 = at;
                        afterIntegritySha256 = true;
                        if (!afterIntegrity) {
                            honoured = at;
                        }
                        afterIntegrity = true;
                    }
                    break;
                case StunAttribute.MESSAGE_INTEGRITY:
                    if (!afterIntegrity) {
                        if (valueLength != StunCrypto.SHA1_LENGTH) {
                            return fail();
                        }
                        integrity = at;
                        honoured = at;
                        afterIntegrity = true;
                    }
                    break;
                // §14.5: attributes after MESSAGE-INTEGRITY are ignored, so neither checked
                // nor recorded. When a recorded attribute repeats, the first one counts.
                case StunAttribute.USERNAME:
                    if (!afterIntegrity) {
                        if (valueLength == 0 || valueLength > MAX_USERNAME_LENGTH) {
                            return fail();
                        }
                        if (username < 0) {
                            username = at;
                        }
                    }
                    break;
                case StunAttribute.PRIORITY:
                    if (!afterIntegrity) {
                        if (valueLength != 4) {
                            return fail();
                        }
                        if (priority < 0) {
                            priority = at;
                        }
                    }
                    break;
                case StunAttribute.USE_CANDIDATE:
                    if (!afterIntegrity) {
                        if (valueLength != 0) {
                            return fail();
                        }
                        if (useCandidate < 0) {
                            useCandidate = at;
                        }
                    }
                    break;
                case StunAttribute.ICE_CONTROLLED:
                    if (!afterIntegrity) {
                        if (valueLength != 8) {
                            return fail();
                        }
                        if (iceControlled < 0) {
                            iceControlled = at;
                        }
                    }
                    break;
                case StunAttribute.ICE_CONTROLLING:
                    if (!afterIntegrity) {
                        if (valueLength != 8) {
                            return fail();
                        }
                        if (iceControlling < 0) {
                            iceControlling = at;
                        }
                    }
                    break;
                case StunAttribute.ERROR_CODE:
                    if (!afterIntegrity) {
                        if (valueLength < 4 || valueLength > 4 + MAX_ERROR_REASON_LENGTH) {
                            return fail();
                        }
                        if (errorCode < 0) {
                            errorCode = at;
                        }
                    }
                    break;
                case StunAttribute.XOR_MAPPED_ADDRESS:
                    if (!afterIntegrity) {
                        if (valueLength != 8 && valueLength != 20) {
                            return fail();
                        }
                        // Inside the value: its length (8 or 20) was checked against the message.
                        int family = buf.get(at + ATTRIBUTE_HEADER_LENGTH + 1) & 0xFF;
                        if (!(family == FAMILY_IPV4 && valueLength == 8)
                                && !(family == FAMILY_IPV6 && valueLength == 20)) {
                            return fail();
                        }
                        if (xorMappedAddress < 0) {
                            xorMappedAddress = at;
                        }
                    }
                    break;
                default:
                    break;
            }
            at += ATTRIBUTE_HEADER_LENGTH + padded;
        }
        this.buffer = buf;
        this.littleEndian = le;
        this.offset = offset;
        this.length = length;
        this.honouredEnd = honoured;
        this.usernameAt = username;
        this.integrityAt = integrity;
        this.integritySha256At = integritySha256;
        this.fingerprintAt = fingerprint;
        this.xorMappedAddressAt = xorMappedAddress;
        this.priorityAt = priority;
        this.useCandidateAt = useCandidate;
        this.iceControlledAt = iceControlled;
        this.iceControllingAt = iceControlling;
        this.errorCodeAt = errorCode;
        this.valid = true;
        return true;
    }

    /** The big-endian 32-bit word at {@code index}, whatever the buffer's byte order. */
    private static int readInt(ByteBuffer buf, boolean littleEndian, int index) {
        int i = buf.getInt(index);
        return littleEndian ? Integer.reverseBytes(i) : i;
    }

    private boolean fail() {
        clear();
        return false;
    }

    private void clear() {
        buffer = null;
        valid = false;
        offset = 0;
        length = 0;
        honouredEnd = 0;
        usernameAt = -1;
        integrityAt = -1;
        integritySha256At = -1;
        fingerprintAt = -1;
        xorMappedAddressAt = -1;
        priorityAt = -1;
        useCandidateAt = -1;
        iceControlledAt = -1;
        iceControllingAt = -1;
        errorCodeAt = -1;
    }

    // ---------------------------------------------------------------- header

    /** @return true if the last {@link #wrap} succeeded */
    public boolean isValid() {
        return valid;
    }

    /** @return the wrapped buffer, or null if not valid */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** @return absolute index of the first header byte (0 if not valid) */
    public int offset() {
        return offset;
    }

    /** @return whole message length including the header (0 if not valid) */
    public int length() {
        return length;
    }

    /** @return the 14-bit message type (RFC 8489 §5), or -1 if not valid */
    public int messageType() {
        return valid ? readShort(offset) : -1;
    }

    /** @return the 12-bit method, e.g. {@link StunMethod#BINDING}, or -1 if not valid */
    public int method() {
        return valid ? StunMessageType.method(readShort(offset)) : -1;
    }

    /** @return the class, one of {@link StunClass}, decoded from bits C0/C1; -1 if not valid */
    public int messageClass() {
        return valid ? StunMessageType.messageClass(readShort(offset)) : -1;
    }

    /** @return true for a Binding request (type {@code 0x0001}) */
    public boolean isBindingRequest() {
        return valid && readShort(offset) == StunMessageType.BINDING_REQUEST;
    }

    /**
     * Compares the transaction id with 12 bytes of an array, in place.
     *
     * @param id the array
     * @param off where the 12 bytes start
     * @return true if equal; false if not valid or the range is outside the array
     */
    public boolean transactionIdEquals(byte[] id, int off) {
        if (!valid || id == null || off < 0 || off > id.length - TRANSACTION_ID_LENGTH) {
            return false;
        }
        int base = offset + 8;
        for (int i = 0; i < TRANSACTION_ID_LENGTH; i++) {
            if (buffer.get(base + i) != id[off + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Compares the transaction id with another message's, e.g. a response with its request.
     *
     * @param other another message
     * @return true if both are valid and their transaction ids are equal
     */
    public boolean transactionIdEquals(StunMessage other) {
        if (!valid || other == null || !other.valid) {
            return false;
        }
        for (int i = 8; i < HEADER_LENGTH; i++) {
            if (buffer.get(offset + i) != other.buffer.get(other.offset + i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Copies the 12-byte transaction id into an array.
     *
     * @param dst the destination
     * @param off where to write
     * @return true if copied; false if not valid or the range is outside the array
     */
    public boolean copyTransactionId(byte[] dst, int off) {
        if (!valid || dst == null || off < 0 || off > dst.length - TRANSACTION_ID_LENGTH) {
            return false;
        }
        buffer.get(offset + 8, dst, off, TRANSACTION_ID_LENGTH);
        return true;
    }

    // ---------------------------------------------------------------- USERNAME (§14.3)

    /** @return true if a USERNAME attribute is present (and not ignored) */
    public boolean hasUsername() {
        return usernameAt >= 0;
    }

    /** @return absolute index of the USERNAME value in {@link #buffer()}, or -1 if absent */
    public int usernameOffset() {
        return usernameAt < 0 ? -1 : usernameAt + ATTRIBUTE_HEADER_LENGTH;
    }

    /** @return length of the USERNAME value in bytes, or -1 if absent */
    public int usernameLength() {
        return usernameAt < 0 ? -1 : readShort(usernameAt + 2);
    }

    /**
     * Compares USERNAME with bytes of an array, in place and without allocating.
     *
     * @param b the array, e.g. the UTF-8 bytes of {@code "answerUfrag:offerUfrag"}
     * @param off where the bytes start
     * @param len how many bytes
     * @return true if USERNAME is present and equal; false otherwise (also for a bad range)
     */
    public boolean usernameEquals(byte[] b, int off, int len) {
        if (usernameAt < 0 || b == null || off < 0 || len < 0 || off > b.length - len) {
            return false;
        }
        if (readShort(usernameAt + 2) != len) {
            return false;
        }
        return regionEquals(usernameAt + ATTRIBUTE_HEADER_LENGTH, b, off, len);
    }

    /**
     * Compares {@code len} bytes of the buffer at absolute {@code index} with {@code b[off..]};
     * both ranges have been checked by the caller.
     */
    private boolean regionEquals(int index, byte[] b, int off, int len) {
        ByteBuffer buf = buffer;
        if (buf.hasArray()) {
            int from = buf.arrayOffset() + index;
            return Arrays.equals(buf.array(), from, from + len, b, off, off + len);
        }
        int i = 0;
        for (; i <= len - 8; i += 8) {
            long word = buf.getLong(index + i);
            if ((littleEndian ? Long.reverseBytes(word) : word) != (long) LONG_BIG_ENDIAN.get(b, off + i)) {
                return false;
            }
        }
        for (; i < len; i++) {
            if (buf.get(index + i) != b[off + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes USERNAME as UTF-8. Allocates a String: not for the per-packet hot path, where
     * {@link #usernameEquals} or {@link #usernameOffset()}/{@link #usernameLength()} serve.
     *
     * @return the username, or null if absent
     */
    public String username() {
        return usernameAt < 0 ? null : decodeUtf8(usernameAt + ATTRIBUTE_HEADER_LENGTH,
                readShort(usernameAt + 2));
    }

    // ---------------------------------------------------------------- ICE (RFC 8445 §16.1)

    /** @return true if PRIORITY is present */
    public boolean hasPriority() {
        return priorityAt >= 0;
    }

    /** @return PRIORITY as an unsigned 32-bit value in an int, or 0 if absent */
    public int priority() {
        return priorityAt < 0 ? 0 : readInt(priorityAt + ATTRIBUTE_HEADER_LENGTH);
    }

    /** @return true if USE-CANDIDATE is present */
    public boolean hasUseCandidate() {
        return useCandidateAt >= 0;
    }

    /** @return true if ICE-CONTROLLING is present */
    public boolean hasIceControlling() {
        return iceControllingAt >= 0;
    }

    /** @return the ICE-CONTROLLING tie-breaker (unsigned 64 bits in a long), or 0 if absent */
    public long iceControlling() {
        return iceControllingAt < 0 ? 0 : readLong(iceControllingAt + ATTRIBUTE_HEADER_LENGTH);
    }

    /** @return true if ICE-CONTROLLED is present */
    public boolean hasIceControlled() {
        return iceControlledAt >= 0;
    }

    /** @return the ICE-CONTROLLED tie-breaker (unsigned 64 bits in a long), or 0 if absent */
    public long iceControlled() {
        return iceControlledAt < 0 ? 0 : readLong(iceControlledAt + ATTRIBUTE_HEADER_LENGTH);
    }

    // ---------------------------------------------------------------- ERROR-CODE (§14.8)

    /** @return true if ERROR-CODE is present */
    public boolean hasErrorCode() {
        return errorCodeAt >= 0;
    }

    /** @return the error code, {@code class * 100 + number} (e.g. 401), or -1 if absent */
    public int errorCode() {
        if (errorCodeAt < 0) {
            return -1;
        }
        int v = errorCodeAt + ATTRIBUTE_HEADER_LENGTH;
        return (buffer.get(v + 2) & 0x07) * 100 + (buffer.get(v + 3) & 0xFF);
    }

    /** @return absolute index of the reason phrase, or -1 if ERROR-CODE is absent */
    public int errorReasonOffset() {
        return errorCodeAt < 0 ? -1 : errorCodeAt + ATTRIBUTE_HEADER_LENGTH + 4;
    }

    /** @return length of the reason phrase in bytes, or -1 if ERROR-CODE is absent */
    public int errorReasonLength() {
        return errorCodeAt < 0 ? -1 : readShort(errorCodeAt + 2) - 4;
    }

    /**
     * Decodes the ERROR-CODE reason phrase as UTF-8. Allocates: not for the hot path.
     *
     * @return the reason phrase, or null if ERROR-CODE is absent
     */
    public String errorReason() {
        return errorCodeAt < 0 ? null : decodeUtf8(errorReasonOffset(), errorReasonLength());
    }

    // ---------------------------------------------------------------- XOR-MAPPED-ADDRESS (§14.2)

    /** @return true if XOR-MAPPED-ADDRESS is present */
    public boolean hasXorMappedAddress() {
        return xorMappedAddressAt >= 0;
    }

    /** @return {@link #FAMILY_IPV4}, {@link #FAMILY_IPV6}, or -1 if absent */
    public int xorMappedAddressFamily() {
        return xorMappedAddressAt < 0 ? -1
                : buffer.get(xorMappedAddressAt + ATTRIBUTE_HEADER_LENGTH + 1) & 0xFF;
    }

    /** @return the mapped port, un-XORed, or -1 if absent */
    public int xorMappedPort() {
        if (xorMappedAddressAt < 0) {
            return -1;
        }
        return readShort(xorMappedAddressAt + ATTRIBUTE_HEADER_LENGTH + 2)
                ^ (MAGIC_COOKIE >>> 16);
    }

    /**
     * Copies the mapped address, un-XORed (IPv4 with the magic cookie, IPv6 with the cookie and
     * the transaction id), in network byte order. Does not allocate.
     *
     * @param dst the destination, with room for 4 (IPv4) or 16 (IPv6) bytes at {@code off}
     * @param off where to write
     * @return the number of bytes written (4 or 16), or -1 if absent or no room
     */
    public int copyXorMappedAddress(byte[] dst, int off) {
        if (xorMappedAddressAt < 0 || dst == null || off < 0) {
            return -1;
        }
        int n = xorMappedAddressFamily() == FAMILY_IPV4 ? 4 : 16;
        if (off > dst.length - n) {
            return -1;
        }
        int v = xorMappedAddressAt + ATTRIBUTE_HEADER_LENGTH + 4;
        // The XOR pad is the cookie followed by the transaction id: header bytes 4..19.
        for (int i = 0; i < n; i++) {
            dst[off + i] = (byte) (buffer.get(v + i) ^ buffer.get(offset + 4 + i));
        }
        return n;
    }

    /**
     * Decodes XOR-MAPPED-ADDRESS. Allocates the address objects: for responses and tests, not
     * for the per-packet path.
     *
     * @return the mapped transport address, or null if absent
     */
    public InetSocketAddress xorMappedAddress() {
        if (xorMappedAddressAt < 0) {
            return null;
        }
        byte[] raw = new byte[16];
        int n = copyXorMappedAddress(raw, 0);
        try {
            byte[] address = n == 4 ? Arrays.copyOf(raw, 4) : raw;
            return new InetSocketAddress(InetAddress.getByAddress(address), xorMappedPort());
        } catch (UnknownHostException e) {
            // Unreachable: getByAddress only rejects lengths other than 4 and 16.
            return null;
        }
    }

    // ---------------------------------------------------------------- integrity and fingerprint

    /** @return true if MESSAGE-INTEGRITY (§14.5) is present and not ignored */
    public boolean hasMessageIntegrity() {
        return integrityAt >= 0;
    }

    /** @return absolute index of the MESSAGE-INTEGRITY attribute header, or -1 if absent */
    public int messageIntegrityAttribute() {
        return integrityAt;
    }

    /** @return true if MESSAGE-INTEGRITY-SHA256 (§14.6) is present and not ignored */
    public boolean hasMessageIntegritySha256() {
        return integritySha256At >= 0;
    }

    /** @return absolute index of the MESSAGE-INTEGRITY-SHA256 attribute header, or -1 */
    public int messageIntegritySha256Attribute() {
        return integritySha256At;
    }

    /** @return true if FINGERPRINT (§14.7) is present; it is then the last attribute */
    public boolean hasFingerprint() {
        return fingerprintAt >= 0;
    }

    /** @return absolute index of the FINGERPRINT attribute header, or -1 if absent */
    public int fingerprintAttribute() {
        return fingerprintAt;
    }

    // ---------------------------------------------------------------- raw attribute iteration

    /**
     * Starts a raw iteration over every attribute on the wire, in order, including those that
     * §14.5 makes the accessors ignore. Use with {@link #nextAttribute(int)},
     * {@link #attributeType(int)}, {@link #attributeValueOffset(int)} and
     * {@link #attributeLength(int)}; no allocation.
     *
     * @return absolute index of the first attribute header, or -1 if none or not valid
     */
    public int firstAttribute() {
        return valid && length > HEADER_LENGTH ? offset + HEADER_LENGTH : -1;
    }

    /**
     * Advances a raw attribute iteration.
     *
     * @param attribute an index returned by {@link #firstAttribute()} or this method
     * @return absolute index of the following attribute header, or -1 at the end
     */
    public int nextAttribute(int attribute) {
        if (!isAttributeIndex(attribute)) {
            return -1;
        }
        int next = attribute + ATTRIBUTE_HEADER_LENGTH + ((readShort(attribute + 2) + 3) & ~3);
        return next < offset + length ? next : -1;
    }

    /**
     * @param attribute an attribute index from the iteration
     * @return its 16-bit type, or -1 if the index is not inside the message
     */
    public int attributeType(int attribute) {
        return isAttributeIndex(attribute) ? readShort(attribute) : -1;
    }

    /**
     * @param attribute an attribute index from the iteration
     * @return its value length without padding, or -1 if the index is not inside the message
     */
    public int attributeLength(int attribute) {
        return isAttributeIndex(attribute) ? readShort(attribute + 2) : -1;
    }

    /**
     * @param attribute an attribute index from the iteration
     * @return absolute index of its value, or -1 if the index is not inside the message
     */
    public int attributeValueOffset(int attribute) {
        return isAttributeIndex(attribute) ? attribute + ATTRIBUTE_HEADER_LENGTH : -1;
    }

    /**
     * Finds the first attribute of a type among those not ignored under §14.5 (so nothing
     * after MESSAGE-INTEGRITY except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT). Linear in the
     * number of attributes; the router's attributes have O(1) accessors instead.
     *
     * @param type the attribute type, e.g. {@link StunAttribute#SOFTWARE}
     * @return absolute index of its header, or -1 if absent
     */
    public int findAttribute(int type) {
        if (!valid) {
            return -1;
        }
        if (type == StunAttribute.MESSAGE_INTEGRITY) {
            return integrityAt;
        }
        if (type == StunAttribute.MESSAGE_INTEGRITY_SHA256) {
            return integritySha256At;
        }
        if (type == StunAttribute.FINGERPRINT) {
            return fingerprintAt;
        }
        for (int at = firstAttribute(); at >= 0 && at < honouredEnd; at = nextAttribute(at)) {
            if (readShort(at) == type) {
                return at;
            }
        }
        return -1;
    }

    /**
     * Decodes the value of an attribute as UTF-8 (e.g. SOFTWARE, REALM). Allocates.
     *
     * @param attribute an attribute index from the iteration or {@link #findAttribute(int)}
     * @return the text, or null if the index is not inside the message
     */
    public String attributeText(int attribute) {
        return isAttributeIndex(attribute)
                ? decodeUtf8(attribute + ATTRIBUTE_HEADER_LENGTH, readShort(attribute + 2))
                : null;
    }

    // Cheap guard so that a stale or made-up index cannot make an accessor throw.
    private boolean isAttributeIndex(int attribute) {
        return valid && attribute >= offset + HEADER_LENGTH
                && attribute <= offset + length - ATTRIBUTE_HEADER_LENGTH
                && ((attribute - offset) & 3) == 0
                && readShort(attribute + 2) <= offset + length - attribute - ATTRIBUTE_HEADER_LENGTH;
    }

    /** @return a short description for logs; allocates */
    @Override
    public String toString() {
        if (!valid) {
            return "StunMessage[invalid]";
        }
        return "StunMessage[type=0x" + Integer.toHexString(messageType())
                + ", length=" + length + ", username=" + username() + "]";
    }

    // ---------------------------------------------------------------- big-endian reads

    int readShort(int index) {
        short s = buffer.getShort(index);
        return (littleEndian ? Short.reverseBytes(s) : s) & 0xFFFF;
    }

    int readInt(int index) {
        int i = buffer.getInt(index);
        return littleEndian ? Integer.reverseBytes(i) : i;
    }

    private long readLong(int index) {
        long l = buffer.getLong(index);
        return littleEndian ? Long.reverseBytes(l) : l;
    }

    private String decodeUtf8(int index, int len) {
        byte[] bytes = new byte[len];
        buffer.get(index, bytes, 0, len);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
