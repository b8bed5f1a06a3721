package dev.originproxy.srt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.originproxy.core.wire.Wire;

/**
 * Flyweight over an SRT HANDSHAKE control packet: the 16-byte header, the 48-byte handshake
 * control information field ({@code draft-sharabayko-srt} §3.2.1) and the HSv5 extension blocks
 * that follow it (§3.2.1.1 HSREQ/HSRSP, §3.2.1.2 KMREQ/KMRSP, §3.2.1.3 stream id, and the
 * CONGESTION, FILTER and GROUP blocks), as used by the caller-listener procedure (§4.3).
 *
 * <p><b>Reading.</b> {@link #wrap(ByteBuffer, int, int)} accepts a datagram only if it is a
 * HANDSHAKE of at least 64 bytes whose extension blocks, if any, exactly fill the datagram and
 * whose stream id is at most {@link #MAX_STREAM_ID_LENGTH} bytes; hostile input is refused by
 * the return value and never by an exception. Fields are then read in place. Extensions are
 * walked with an allocation-free cursor: {@link #firstExtension()} and
 * {@link #nextExtension(int)} return the absolute index of a block, {@link #NO_EXTENSION} at the
 * end, or {@link #MALFORMED_EXTENSION}; typed readers take that index. The validating walk of
 * {@code wrap} also remembers where the first SID block is, so that {@code findExtension(EXT_SID)}
 * and {@link #streamId(byte[])} do not walk again; {@link #initialize} and the {@code append*}
 * methods keep that consistent, so extension bytes changed by other means need a new
 * {@code wrap}.
 *
 * <p><b>Writing.</b> Setters rewrite fields in place (the router substitutes cookies and socket
 * ids). {@link #initialize(ByteBuffer, int, int)} starts a fresh 64-byte handshake and the
 * {@code append*} methods add extension blocks. {@link #writeInductionResponse} and
 * {@link #writeRejection} build the proxy's own answers to the wrapped request into a
 * caller-supplied buffer.
 *
 * <p><b>Wire quirks</b> (measured against libsrt 1.5.1): the peer IP field and every string
 * extension (stream id, congestion, filter) carry their bytes in 32-bit words whose byte order is
 * reversed; strings are zero-padded to a word boundary and have no terminator when they fill the
 * last word exactly.
 *
 * <p>Only {@link #streamId()}, {@link #extensionString(int)} and {@link #peerAddress()} allocate;
 * everything else works in place. Threading: instances are mutable and not thread-safe; keep one
 * per event-loop thread.
 */
public final class SrtHandshake {
    /** Length of header plus handshake CIF: the smallest valid handshake packet. */
    public static final int LENGTH = 64;
    /** Longest stream id the SID extension may carry, in bytes (§3.2.1.3). */
    public static final int MAX_STREAM_ID_LENGTH = 512;

    /** Handshake version of UDT / HSv4 peers. */
    public static final int VERSION_4 = 4;
    /** Handshake version of HSv5 (SRT 1.3+) peers. */
    public static final int VERSION_5 = 5;
    /** The "SRT magic code" a listener puts in the extension field of its induction answer. */
    public static final int SRT_MAGIC_CODE = 0x4A17;

    /** Handshake type WAVEAHAND (rendezvous, §4.3.2). */
    public static final int TYPE_WAVEAHAND = 0;
    /** Handshake type INDUCTION (§4.3.1.1). */
    public static final int TYPE_INDUCTION = 1;
    /** Handshake type CONCLUSION (§4.3.1.2). */
    public static final int TYPE_CONCLUSION = -1;
    /** Handshake type AGREEMENT (rendezvous). */
    public static final int TYPE_AGREEMENT = -2;
    /** Handshake type DONE (libsrt internal; never expected on the wire). */
    public static final int TYPE_DONE = -3;

    /** Extension field flag of a CONCLUSION: an HSREQ/HSRSP block is present. */
    public static final int EXTENSION_FLAG_HSREQ = 0x1;
    /** Extension field flag of a CONCLUSION: a KMREQ/KMRSP block is present. */
    public static final int EXTENSION_FLAG_KMREQ = 0x2;
    /** Extension field flag of a CONCLUSION: SID, CONGESTION, FILTER or GROUP blocks are present. */
    public static final int EXTENSION_FLAG_CONFIG = 0x4;

    /** Extension type HSREQ (§3.2.1.1). */
    public static final int EXT_HSREQ = 1;
    /** Extension type HSRSP (§3.2.1.1). */
    public static final int EXT_HSRSP = 2;
    /** Extension type KMREQ (§3.2.1.2). */
    public static final int EXT_KMREQ = 3;
    /** Extension type KMRSP (§3.2.1.2). */
    public static final int EXT_KMRSP = 4;
    /** Extension type SID, the stream id (§3.2.1.3). */
    public static final int EXT_SID = 5;
    /** Extension type CONGESTION, the congestion controller name. */
    public static final int EXT_CONGESTION = 6;
    /** Extension type FILTER, the packet filter configuration. */
    public static final int EXT_FILTER = 7;
    /** Extension type GROUP, socket group membership. */
    public static final int EXT_GROUP = 8;

    /** SRT flag TSBPDSND in HSREQ/HSRSP (§3.2.1.1). */
    public static final int SRT_FLAG_TSBPDSND = 0x01;
    /** SRT flag TSBPDRCV. */
    public static final int SRT_FLAG_TSBPDRCV = 0x02;
    /** SRT flag CRYPT (HAICRYPT). */
    public static final int SRT_FLAG_CRYPT = 0x04;
    /** SRT flag TLPKTDROP. */
    public static final int SRT_FLAG_TLPKTDROP = 0x08;
    /** SRT flag PERIODICNAK (NAKREPORT). */
    public static final int SRT_FLAG_PERIODICNAK = 0x10;
    /** SRT flag REXMITFLG. */
    public static final int SRT_FLAG_REXMITFLG = 0x20;
    /** SRT flag STREAM (stream API rather than message API). */
    public static final int SRT_FLAG_STREAM = 0x40;
    /** SRT flag PACKET_FILTER (FILTERCAP). */
    public static final int SRT_FLAG_PACKET_FILTER = 0x80;

    /** Walker result: no further extension block. */
    public static final int NO_EXTENSION = -1;
    /** Walker result: the extension blocks do not fit the packet. */
    public static final int MALFORMED_EXTENSION = -2;
    /** Result of a copying reader: the destination array is too small. */
    public static final int BUFFER_TOO_SMALL = -3;

    private static final int VERSION = 16;
    private static final int ENCRYPTION = 20;
    private static final int EXTENSION = 22;
    private static final int ISN = 24;
    private static final int MTU = 28;
    private static final int FLOW_WINDOW = 32;
    private static final int TYPE = 36;
    private static final int SOCKET_ID = 40;
    private static final int COOKIE = 44;
    private static final int PEER_IP = 48;
    private static final int HS_EXTENSION_LENGTH = 12;

    /** Stores 4 bytes of a byte array, lowest byte first. */
    private static final VarHandle INT_LITTLE_ENDIAN =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /** {@link #sidAt} value: not known, {@link #findExtension} walks the blocks. */
    private static final int SID_UNKNOWN = Integer.MIN_VALUE;

    private ByteBuffer buffer;
    private int offset;
    private int length;
    private int capacity;
    /**
     * What {@code findExtension(EXT_SID)} answers, found by {@link #wrap}'s validating walk
     * ({@link #NO_EXTENSION} when there is no SID block), or {@link #SID_UNKNOWN} once the
     * blocks change through {@code initialize} or an {@code append*} method.
     */
    private int sidAt = SID_UNKNOWN;

    /**
     * Points this flyweight at a received handshake and validates its structure.
     *
     * @return {@code false} when the range is outside the buffer's limit, the packet is not a
     *     HANDSHAKE control packet, is shorter than {@link #LENGTH}, its extension blocks do not
     *     exactly fill the packet, or its stream id is longer than {@link #MAX_STREAM_ID_LENGTH}
     */
    public boolean wrap(ByteBuffer buffer, int offset, int length) {
        this.buffer = null;
        if (!Wire.inBounds(buffer, offset, length) || length < LENGTH) {
            return false;
        }
        int word0 = Wire.getInt(buffer, offset);
        if (word0 >= 0 || ((word0 >>> 16) & 0x7FFF) != SrtPacket.CONTROL_HANDSHAKE) {
            return false;
        }
        int sid = extensionsWellFormed(buffer, offset, length);
        if (sid == MALFORMED_EXTENSION) {
            return false;
        }
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.capacity = length;
        this.sidAt = sid;
        return true;
    }

    /**
     * Starts a new handshake packet in {@code buffer}: a HANDSHAKE control header and a zeroed
     * CIF, 64 bytes; then set fields and append extensions.
     *
     * @param capacity bytes available from {@code offset} for this packet and its extensions
     * @return {@code false} when fewer than {@link #LENGTH} bytes are available
     */
    public boolean initialize(ByteBuffer buffer, int offset, int capacity) {
        this.buffer = null;
        if (capacity < LENGTH || !Wire.inBounds(buffer, offset, capacity)) {
            return false;
        }
        SrtPacket.writeControlHeader(buffer, offset, capacity, SrtPacket.CONTROL_HANDSHAKE, 0, 0, 0, 0);
        for (int i = SrtPacket.HEADER_LENGTH; i < LENGTH; i += 4) {
            Wire.putInt(buffer, offset + i, 0);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.length = LENGTH;
        this.capacity = capacity;
        this.sidAt = SID_UNKNOWN;
        return true;
    }

    /** The wrapped buffer. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Absolute index of the packet's first byte. */
    public int offset() {
        return offset;
    }

    /** Packet length in bytes, extensions included. */
    public int length() {
        return length;
    }

    // ---- header --------------------------------------------------------------------------

    /** Header timestamp (microseconds, unsigned 32 bits). */
    public int timestamp() {
        return Wire.getInt(buffer, offset + 8);
    }

    /** Sets the header timestamp. */
    public void setTimestamp(int timestamp) {
        Wire.putInt(buffer, offset + 8, timestamp);
    }

    /** Header destination socket id; 0 in a caller's INDUCTION and CONCLUSION. */
    public int destinationSocketId() {
        return Wire.getInt(buffer, offset + 12);
    }

    /** Sets the header destination socket id. */
    public void setDestinationSocketId(int socketId) {
        Wire.putInt(buffer, offset + 12, socketId);
    }

    // ---- handshake CIF -------------------------------------------------------------------

    /** Handshake version: 4 in a caller's INDUCTION, 5 for HSv5 afterwards. */
    public int version() {
        return Wire.getInt(buffer, offset + VERSION);
    }

    /** Sets the handshake version. */
    public void setVersion(int version) {
        Wire.putInt(buffer, offset + VERSION, version);
    }

    /**
     * Encryption field (16 bits): 0, or 2/3/4 for a 16/24/32-byte key; in a listener's induction
     * answer it advertises the listener's key length.
     */
    public int encryptionField() {
        return Wire.getUnsignedShort(buffer, offset + ENCRYPTION);
    }

    /** Sets the encryption field (low 16 bits). */
    public void setEncryptionField(int encryptionField) {
        Wire.putShort(buffer, offset + ENCRYPTION, encryptionField);
    }

    /**
     * Extension field (16 bits): 2 in an HSv5 caller's INDUCTION, {@link #SRT_MAGIC_CODE} in the
     * listener's answer, {@code EXTENSION_FLAG_*} bits in a CONCLUSION.
     */
    public int extensionField() {
        return Wire.getUnsignedShort(buffer, offset + EXTENSION);
    }

    /** Sets the extension field (low 16 bits). */
    public void setExtensionField(int extensionField) {
        Wire.putShort(buffer, offset + EXTENSION, extensionField);
    }

    /** Initial packet sequence number. */
    public int initialSequenceNumber() {
        return Wire.getInt(buffer, offset + ISN);
    }

    /** Sets the initial packet sequence number. */
    public void setInitialSequenceNumber(int sequenceNumber) {
        Wire.putInt(buffer, offset + ISN, sequenceNumber);
    }

    /** Maximum transmission unit size in bytes (1500 typically). */
    public int mtu() {
        return Wire.getInt(buffer, offset + MTU);
    }

    /** Sets the maximum transmission unit size. */
    public void setMtu(int mtu) {
        Wire.putInt(buffer, offset + MTU, mtu);
    }

    /** Maximum flow window size in packets (8192 typically). */
    public int flowWindow() {
        return Wire.getInt(buffer, offset + FLOW_WINDOW);
    }

    /** Sets the maximum flow window size. */
    public void setFlowWindow(int flowWindow) {
        Wire.putInt(buffer, offset + FLOW_WINDOW, flowWindow);
    }

    /**
     * Handshake type: {@link #TYPE_INDUCTION}, {@link #TYPE_CONCLUSION}, {@link #TYPE_WAVEAHAND},
     * {@link #TYPE_AGREEMENT}, or a rejection (1000 + reason code).
     */
    public int handshakeType() {
        return Wire.getInt(buffer, offset + TYPE);
    }

    /** Sets the handshake type. */
    public void setHandshakeType(int handshakeType) {
        Wire.putInt(buffer, offset + TYPE, handshakeType);
    }

    /** {@code true} for an INDUCTION. */
    public boolean isInduction() {
        return handshakeType() == TYPE_INDUCTION;
    }

    /** {@code true} for a CONCLUSION. */
    public boolean isConclusion() {
        return handshakeType() == TYPE_CONCLUSION;
    }

    /** {@code true} for a rendezvous WAVEAHAND, which a caller-listener proxy does not serve. */
    public boolean isWaveahand() {
        return handshakeType() == TYPE_WAVEAHAND;
    }

    /** {@code true} for a rendezvous AGREEMENT. */
    public boolean isAgreement() {
        return handshakeType() == TYPE_AGREEMENT;
    }

    /** {@code true} when the handshake type is a rejection (1000 or more). */
    public boolean isRejection() {
        return SrtRejectCodes.isRejection(handshakeType());
    }

    /** The rejection reason code (handshake type - 1000), or -1 if this is no rejection. */
    public int rejectReasonCode() {
        return SrtRejectCodes.reasonCodeOf(handshakeType());
    }

    /**
     * The built-in rejection reason, or {@code null} when this is no rejection or carries an
     * application code (see {@link #rejectReasonCode()}).
     */
    public SrtRejectReason rejectReason() {
        int code = rejectReasonCode();
        return code < 0 ? null : SrtRejectReason.ofCode(code);
    }

    /** The sender's SRT socket id (libsrt echoes the caller's id in its induction answer). */
    public int srtSocketId() {
        return Wire.getInt(buffer, offset + SOCKET_ID);
    }

    /** Sets the SRT socket id. */
    public void setSrtSocketId(int socketId) {
        Wire.putInt(buffer, offset + SOCKET_ID, socketId);
    }

    /** SYN cookie: 0 in a caller's INDUCTION, the listener's cookie afterwards. */
    public int synCookie() {
        return Wire.getInt(buffer, offset + COOKIE);
    }

    /** Sets the SYN cookie. */
    public void setSynCookie(int cookie) {
        Wire.putInt(buffer, offset + COOKIE, cookie);
    }

    /**
     * Copies the peer IP address into {@code dst} in network order, undoing the per-word byte
     * reversal: 4 bytes for an IPv4 address, 16 for IPv6.
     *
     * @param dst at least 16 bytes
     * @return 4 or 16, the address length, or {@link #BUFFER_TOO_SMALL}
     */
    public int peerIp(byte[] dst) {
        if (dst == null || dst.length < 16) {
            return BUFFER_TOO_SMALL;
        }
        for (int i = 0; i < 16; i++) {
            dst[i] = buffer.get(offset + PEER_IP + reversedIndex(i));
        }
        return peerIpIsIpv4() ? 4 : 16;
    }

    /**
     * {@code true} when the peer IP field holds an IPv4 address: libsrt writes IPv4 into the
     * first word and zeros the other three (an all-zero field counts as IPv4 0.0.0.0).
     */
    public boolean peerIpIsIpv4() {
        return Wire.getInt(buffer, offset + PEER_IP + 4) == 0
                && Wire.getInt(buffer, offset + PEER_IP + 8) == 0
                && Wire.getInt(buffer, offset + PEER_IP + 12) == 0;
    }

    /** The peer IP as an {@link InetAddress}. Allocates; for logging and tests. */
    public InetAddress peerAddress() {
        byte[] raw = new byte[16];
        int n = peerIp(raw);
        try {
            return InetAddress.getByAddress(n == 4 ? Arrays.copyOf(raw, 4) : raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("unreachable: address of length " + n, e);
        }
    }

    /**
     * Writes the peer IP field with the per-word byte reversal.
     *
     * @param address 4 (IPv4) or 16 (IPv6) bytes in network order, as
     *     {@link InetAddress#getAddress()} returns them
     * @return {@code false} when the address is neither 4 nor 16 bytes long
     */
    public boolean setPeerIp(byte[] address) {
        if (address == null || (address.length != 4 && address.length != 16)) {
            return false;
        }
        for (int i = 0; i < 16; i++) {
            buffer.put(offset + PEER_IP + reversedIndex(i), i < address.length ? address[i] : 0);
        }
        return true;
    }

    // ---- extension walker --------------------------------------------------------------

    /** Absolute index of the first extension block, {@link #NO_EXTENSION} or {@link #MALFORMED_EXTENSION}. */
    public int firstExtension() {
        return buffer == null ? MALFORMED_EXTENSION : extensionAt(offset + LENGTH);
    }

    /**
     * The block after {@code extension}.
     *
     * @param extension an index returned by {@link #firstExtension()} or this method
     * @return the next block's absolute index, {@link #NO_EXTENSION} or {@link #MALFORMED_EXTENSION}
     */
    public int nextExtension(int extension) {
        if (buffer == null || extensionAt(extension) != extension) {
            return MALFORMED_EXTENSION;
        }
        return extensionAt(extension + 4 + extensionContentLength(extension));
    }

    /**
     * The first block of {@code type}, {@link #NO_EXTENSION} when there is none, or
     * {@link #MALFORMED_EXTENSION}.
     */
    public int findExtension(int type) {
        if (buffer == null) {
            return MALFORMED_EXTENSION;
        }
        if (type == EXT_SID && sidAt != SID_UNKNOWN) {
            return sidAt;
        }
        // The walk of firstExtension/nextExtension, reading each block's type/length word once.
        int end = offset + length;
        int at = offset + LENGTH;
        while (at != end) {
            if (at > end - 4) {
                return MALFORMED_EXTENSION;
            }
            int word = Wire.getInt(buffer, at);
            int content = (word & 0xFFFF) * 4;
            if (content > end - at - 4) {
                return MALFORMED_EXTENSION;
            }
            if (word >>> 16 == type) {
                return at;
            }
            at += 4 + content;
        }
        return NO_EXTENSION;
    }

    /** Extension type ({@code EXT_*}) of the block at {@code extension}. */
    public int extensionType(int extension) {
        return Wire.getUnsignedShort(buffer, extension);
    }

    /** Absolute index of the block's content (after its 4-byte type/length word). */
    public int extensionContentOffset(int extension) {
        return extension + 4;
    }

    /** Content length of the block in bytes (its length field counts 32-bit words). */
    public int extensionContentLength(int extension) {
        return Wire.getUnsignedShort(buffer, extension + 2) * 4;
    }

    // ---- HSREQ / HSRSP (§3.2.1.1) --------------------------------------------------------

    /** SRT library version of an HSREQ/HSRSP block (0x00010501 = 1.5.1), or -1 if too short. */
    public int srtVersion(int extension) {
        return hsWord(extension, 0);
    }

    /** SRT flags ({@code SRT_FLAG_*}) of an HSREQ/HSRSP block, or -1 if too short. */
    public int srtFlags(int extension) {
        return hsWord(extension, 4);
    }

    /** Receiver TSBPD delay in ms (bits 31..16 of the latency word), or -1 if too short. */
    public int receiverTsbpdDelay(int extension) {
        int latency = hsWord(extension, 8);
        return extensionContentLength(extension) < HS_EXTENSION_LENGTH ? -1 : latency >>> 16;
    }

    /** Sender TSBPD delay in ms (bits 15..0 of the latency word), or -1 if too short. */
    public int senderTsbpdDelay(int extension) {
        int latency = hsWord(extension, 8);
        return extensionContentLength(extension) < HS_EXTENSION_LENGTH ? -1 : latency & 0xFFFF;
    }

    private int hsWord(int extension, int at) {
        return extensionContentLength(extension) < HS_EXTENSION_LENGTH
                ? -1 : Wire.getInt(buffer, extension + 4 + at);
    }

    // ---- string extensions: SID (§3.2.1.3), CONGESTION, FILTER -----------------------------

    /**
     * Decodes the stream id into {@code dst} without allocating.
     *
     * @return the stream id's length in bytes (UTF-8), {@link #NO_EXTENSION} when the
     *     handshake has no SID block, {@link #MALFORMED_EXTENSION}, or {@link #BUFFER_TOO_SMALL}
     */
    public int streamId(byte[] dst) {
        int ext = findExtension(EXT_SID);
        return ext < 0 ? ext : extensionString(ext, dst);
    }

    /**
     * The stream id as a String, or {@code null} when there is no SID block. Allocates; call it
     * once per handshake, not per packet.
     */
    public String streamId() {
        int ext = findExtension(EXT_SID);
        return ext < 0 ? null : extensionString(ext);
    }

    /**
     * Decodes a string block (SID, CONGESTION, FILTER): undoes the per-word byte reversal and
     * stops at the first zero byte.
     *
     * @return the string length in bytes, or {@link #BUFFER_TOO_SMALL}
     */
    public int extensionString(int extension, byte[] dst) {
        int content = extension + 4;
        int n = extensionContentLength(extension);
        // One 32-bit read per word (n is a multiple of 4): read big-endian, the word's first
        // string byte is its lowest byte.
        if (dst != null && n <= dst.length) {
            // dst holds the whole block: no per-byte room check. A word without a zero byte is
            // stored whole (little-endian puts its lowest byte first).
            for (int i = 0; i < n; i += 4) {
                int word = Wire.getInt(buffer, content + i);
                if (((word - 0x01010101) & ~word & 0x80808080) == 0) {
                    INT_LITTLE_ENDIAN.set(dst, i, word);
                    continue;
                }
                for (int j = 0; j < 4; j++, word >>>= 8) {
                    byte b = (byte) word;
                    if (b == 0) {
                        return i + j;
                    }
                    dst[i + j] = b;
                }
            }
            return n;
        }
        for (int i = 0; i < n; i += 4) {
            int word = Wire.getInt(buffer, content + i);
            for (int j = 0; j < 4; j++, word >>>= 8) {
                byte b = (byte) word;
                if (b == 0) {
                    return i + j;
                }
                if (dst == null || i + j >= dst.length) {
                    return BUFFER_TOO_SMALL;
                }
                dst[i + j] = b;
            }
        }
        return n;
    }

    /** A string block decoded as UTF-8. Allocates. */
    public String extensionString(int extension) {
        byte[] bytes = new byte[extensionContentLength(extension)];
        int n = extensionString(extension, bytes);
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * Writes one string extension block (type/length word, then the string in reversed 32-bit
     * words, zero-padded to a word boundary, without terminator when it fills the last word).
     *
     * @param type {@link #EXT_SID}, {@link #EXT_CONGESTION} or {@link #EXT_FILTER}
     * @return bytes written (4 + padded string length), or -1 when the string or the
     *     destination range is invalid, or a stream id exceeds {@link #MAX_STREAM_ID_LENGTH}
     */
    public static int writeStringExtension(ByteBuffer dst, int dstOffset, int dstCapacity, int type,
            byte[] src, int srcOffset, int srcLength) {
        if (src == null || srcOffset < 0 || srcLength < 0 || srcOffset > src.length - srcLength
                || (type == EXT_SID && srcLength > MAX_STREAM_ID_LENGTH)
                || srcLength > 0xFFFF * 4) {
            return -1;
        }
        int padded = (srcLength + 3) & ~3;
        int total = 4 + padded;
        if (dstCapacity < total || !Wire.inBounds(dst, dstOffset, total)) {
            return -1;
        }
        Wire.putShort(dst, dstOffset, type);
        Wire.putShort(dst, dstOffset + 2, padded / 4);
        for (int i = 0; i < padded; i++) {
            int from = reversedIndex(i);
            dst.put(dstOffset + 4 + i, from < srcLength ? src[srcOffset + from] : 0);
        }
        return total;
    }

    // ---- appending extensions to a packet being written ---------------------------------

    /**
     * Appends an HSREQ or HSRSP block.
     *
     * @return the new packet length, or -1 when it does not fit
     */
    public int appendHandshakeExtension(int type, int srtVersion, int srtFlags,
            int receiverTsbpdDelay, int senderTsbpdDelay) {
        int at = offset + length;
        if (buffer == null || capacity - length < 4 + HS_EXTENSION_LENGTH
                || !Wire.inBounds(buffer, at, 4 + HS_EXTENSION_LENGTH)) {
            return -1;
        }
        Wire.putShort(buffer, at, type);
        Wire.putShort(buffer, at + 2, HS_EXTENSION_LENGTH / 4);
        Wire.putInt(buffer, at + 4, srtVersion);
        Wire.putInt(buffer, at + 8, srtFlags);
        Wire.putInt(buffer, at + 12, (receiverTsbpdDelay & 0xFFFF) << 16 | (senderTsbpdDelay & 0xFFFF));
        length += 4 + HS_EXTENSION_LENGTH;
        sidAt = SID_UNKNOWN;
        return length;
    }

    /**
     * Appends a string block (SID, CONGESTION, FILTER) from UTF-8 bytes.
     *
     * @return the new packet length, or -1 (see {@link #writeStringExtension})
     */
    public int appendStringExtension(int type, byte[] utf8, int utf8Offset, int utf8Length) {
        if (buffer == null) {
            return -1;
        }
        int n = writeStringExtension(buffer, offset + length, capacity - length, type,
                utf8, utf8Offset, utf8Length);
        if (n < 0) {
            return -1;
        }
        length += n;
        sidAt = SID_UNKNOWN;
        return length;
    }

    /** Appends a SID block. Allocates the UTF-8 bytes of {@code streamId}; once per handshake. */
    public int appendStreamId(String streamId) {
        byte[] utf8 = streamId.getBytes(StandardCharsets.UTF_8);
        return appendStringExtension(EXT_SID, utf8, 0, utf8.length);
    }

    /**
     * Appends an opaque block (KMREQ, KMRSP, GROUP) by copying its content, for pass-through.
     *
     * @param srcLength content length, a multiple of 4
     * @return the new packet length, or -1 when it does not fit or is not word-aligned
     */
    public int appendExtension(int type, ByteBuffer src, int srcOffset, int srcLength) {
        int at = offset + length;
        if (buffer == null || (srcLength & 3) != 0 || srcLength > 0xFFFF * 4
                || !Wire.inBounds(src, srcOffset, srcLength)
                || capacity - length < 4 + srcLength || !Wire.inBounds(buffer, at, 4 + srcLength)) {
            return -1;
        }
        Wire.putShort(buffer, at, type);
        Wire.putShort(buffer, at + 2, srcLength / 4);
        for (int i = 0; i < srcLength; i += 4) {
            Wire.putInt(buffer, at + 4 + i, Wire.getInt(src, srcOffset + i));
        }
        length += 4 + srcLength;
        sidAt = SID_UNKNOWN;
        return length;
    }

    // ---- the proxy's own answers ---------------------------------------------------------

    /**
     * Writes the listener's answer to the wrapped caller INDUCTION (§4.3.1.1), as libsrt 1.5.1
     * writes it: version 5, encryption field advertising {@code keyLength}, extension field
     * {@link #SRT_MAGIC_CODE}, ISN/MTU/flow window echoed, destination socket id and SRT socket
     * id both the caller's socket id, the proxy's cookie, the caller's address as peer IP.
     * {@code dst} may be this packet's own range (answers in place); other overlaps are not
     * supported.
     *
     * @param synCookie the proxy's cookie for this caller (non-zero)
     * @param keyLength 0 (no encryption), 16, 24 or 32 bytes
     * @param callerAddress the UDP source address of the caller, 4 or 16 bytes in network order
     * @param timestamp header timestamp of the answer
     * @return {@link #LENGTH}, or -1 when the wrapped packet is no INDUCTION, {@code keyLength}
     *     or {@code callerAddress} is invalid, or {@code dst} is too small
     */
    public int writeInductionResponse(ByteBuffer dst, int dstOffset, int dstCapacity, int synCookie,
            int keyLength, byte[] callerAddress, int timestamp) {
        int encryption = encryptionFieldOfKeyLength(keyLength);
        if (buffer == null || !isInduction() || encryption < 0 || callerAddress == null
                || (callerAddress.length != 4 && callerAddress.length != 16)) {
            return -1;
        }
        int isn = initialSequenceNumber();
        int mtu = mtu();
        int flowWindow = flowWindow();
        int callerSocketId = srtSocketId();
        if (dstCapacity < LENGTH || !Wire.inBounds(dst, dstOffset, LENGTH)) {
            return -1;
        }
        writeCif(dst, dstOffset, timestamp, callerSocketId, VERSION_5, encryption, SRT_MAGIC_CODE,
                isn, mtu, flowWindow, TYPE_INDUCTION, callerSocketId, synCookie);
        for (int i = 0; i < 16; i++) {
            dst.put(dstOffset + PEER_IP + reversedIndex(i), i < callerAddress.length ? callerAddress[i] : 0);
        }
        return LENGTH;
    }

    /**
     * Writes the INDUCTION an HSv5 caller sends first (§4.3.1.1), for the socket and parameters
     * of the wrapped CONCLUSION: what a proxy sends an origin before replaying the caller's
     * CONCLUSION. Version 4, encryption field 0, extension field 2, handshake type INDUCTION,
     * destination socket id 0, no cookie; ISN, MTU, flow window and SRT socket id copied from
     * the wrapped packet; {@code peerAddress} as peer IP. {@code dst} must not overlap this packet.
     *
     * @param peerAddress the origin's address as the caller would see it, 4 or 16 bytes
     * @param timestamp header timestamp
     * @return {@link #LENGTH}, or -1 when nothing is wrapped, {@code peerAddress} is invalid, or
     *     {@code dst} is too small
     */
    public int writeInductionRequest(ByteBuffer dst, int dstOffset, int dstCapacity, byte[] peerAddress,
            int timestamp) {
        if (buffer == null || peerAddress == null || (peerAddress.length != 4 && peerAddress.length != 16)
                || dstCapacity < LENGTH || !Wire.inBounds(dst, dstOffset, LENGTH)) {
            return -1;
        }
        writeCif(dst, dstOffset, timestamp, 0, VERSION_4, 0, 2, initialSequenceNumber(), mtu(), flowWindow(),
                TYPE_INDUCTION, srtSocketId(), 0);
        for (int i = 0; i < 16; i++) {
            dst.put(dstOffset + PEER_IP + reversedIndex(i), i < peerAddress.length ? peerAddress[i] : 0);
        }
        return LENGTH;
    }

    /**
     * Writes a rejection of the wrapped handshake (64 bytes, no extensions), as libsrt does:
     * handshake type 1000 + {@code reasonCode}, destination the requester's socket id, version,
     * encryption and extension fields, ISN, MTU, flow window, cookie and peer IP echoed. {@code dst}
     * may be this packet's own range; other overlaps are not supported.
     *
     * @param reasonCode a {@link SrtRejectReason#code()} or an application code such as
     *     {@link SrtRejectCodes#FORBIDDEN}
     * @param srtSocketId the socket id to report as the rejecting side's; libsrt echoes the
     *     requester's own id when it rejects before creating a socket
     * @return {@link #LENGTH}, or -1 when {@code reasonCode} is negative or too large, or
     *     {@code dst} is too small
     */
    public int writeRejection(ByteBuffer dst, int dstOffset, int dstCapacity, int reasonCode,
            int srtSocketId, int timestamp) {
        int type = SrtRejectCodes.handshakeTypeOf(reasonCode);
        if (buffer == null || type < 0 || dstCapacity < LENGTH || !Wire.inBounds(dst, dstOffset, LENGTH)) {
            return -1;
        }
        int version = version();
        int encryption = encryptionField();
        int extension = extensionField();
        int isn = initialSequenceNumber();
        int mtu = mtu();
        int flowWindow = flowWindow();
        int requester = srtSocketId();
        int cookie = synCookie();
        int ip0 = Wire.getInt(buffer, offset + PEER_IP);
        int ip1 = Wire.getInt(buffer, offset + PEER_IP + 4);
        int ip2 = Wire.getInt(buffer, offset + PEER_IP + 8);
        int ip3 = Wire.getInt(buffer, offset + PEER_IP + 12);
        writeCif(dst, dstOffset, timestamp, requester, version, encryption, extension,
                isn, mtu, flowWindow, type, srtSocketId, cookie);
        Wire.putInt(dst, dstOffset + PEER_IP, ip0);
        Wire.putInt(dst, dstOffset + PEER_IP + 4, ip1);
        Wire.putInt(dst, dstOffset + PEER_IP + 8, ip2);
        Wire.putInt(dst, dstOffset + PEER_IP + 12, ip3);
        return LENGTH;
    }

    /** {@link #writeRejection(ByteBuffer, int, int, int, int, int)} with a built-in reason. */
    public int writeRejection(ByteBuffer dst, int dstOffset, int dstCapacity, SrtRejectReason reason,
            int srtSocketId, int timestamp) {
        return writeRejection(dst, dstOffset, dstCapacity, reason.code(), srtSocketId, timestamp);
    }

    /** The encryption field advertising a key length: 0→0, 16→2, 24→3, 32→4, otherwise -1. */
    public static int encryptionFieldOfKeyLength(int keyLength) {
        switch (keyLength) {
            case 0: return 0;
            case 16: return 2;
            case 24: return 3;
            case 32: return 4;
            default: return -1;
        }
    }

    /** The key length in bytes an encryption field advertises: 0, 16, 24, 32, or -1. */
    public static int keyLengthOfEncryptionField(int encryptionField) {
        switch (encryptionField) {
            case 0: return 0;
            case 2: return 16;
            case 3: return 24;
            case 4: return 32;
            default: return -1;
        }
    }

    // ---- internals ------------------------------------------------------------------------

    private static void writeCif(ByteBuffer dst, int at, int timestamp, int destinationSocketId,
            int version, int encryption, int extension, int isn, int mtu, int flowWindow, int type,
            int socketId, int cookie) {
        SrtPacket.writeControlHeader(dst, at, LENGTH, SrtPacket.CONTROL_HANDSHAKE, 0, 0, timestamp,
                destinationSocketId);
        Wire.putInt(dst, at + VERSION, version);
        Wire.putShort(dst, at + ENCRYPTION, encryption);
        Wire.putShort(dst, at + EXTENSION, extension);
        Wire.putInt(dst, at + ISN, isn);
        Wire.putInt(dst, at + MTU, mtu);
        Wire.putInt(dst, at + FLOW_WINDOW, flowWindow);
        Wire.putInt(dst, at + TYPE, type);
        Wire.putInt(dst, at + SOCKET_ID, socketId);
        Wire.putInt(dst, at + COOKIE, cookie);
    }

    /**
     * Checks that blocks exactly fill the packet and that a stream id is within its limit, reading
     * each block's type/length word once.
     *
     * @return the first SID block's index, {@link #NO_EXTENSION} when there is none, or
     *     {@link #MALFORMED_EXTENSION}
     */
    private static int extensionsWellFormed(ByteBuffer buffer, int offset, int length) {
        int end = offset + length;
        int at = offset + LENGTH;
        int sid = NO_EXTENSION;
        while (at != end) {
            if (at > end - 4) {
                return MALFORMED_EXTENSION;
            }
            int word = Wire.getInt(buffer, at);
            int content = (word & 0xFFFF) * 4;
            if (content > end - at - 4) {
                return MALFORMED_EXTENSION;
            }
            if (word >>> 16 == EXT_SID) {
                if (content > MAX_STREAM_ID_LENGTH) {
                    return MALFORMED_EXTENSION;
                }
                if (sid == NO_EXTENSION) {
                    sid = at;
                }
            }
            at += 4 + content;
        }
        return sid;
    }

    private int extensionAt(int at) {
        int end = offset + length;
        if (at == end) {
            return NO_EXTENSION;
        }
        if (at < offset + LENGTH || at > end - 4) {
            return MALFORMED_EXTENSION;
        }
        int content = Wire.getUnsignedShort(buffer, at + 2) * 4;
        return content > end - at - 4 ? MALFORMED_EXTENSION : at;
    }

    /** Byte {@code i} of a string sits at this index of its reversed-word wire form, and back. */
    private static int reversedIndex(int i) {
        return (i & ~3) | (3 - (i & 3));
    }
}
