package dev.originproxy.srt;

/**
 * The built-in rejection reasons of an SRT handshake ({@code draft-sharabayko-srt} §3.2.1,
 * "Handshake Type" values of 1000 and above; libsrt {@code SRT_REJECT_REASON}). A rejection is a
 * HANDSHAKE whose handshake type is {@link #handshakeType()} = 1000 + {@link #code()}.
 *
 * <p>Access-control applications use further reason codes (1000-1999 predefined, 2000+ user
 * defined), which have no constant here; see {@link SrtRejectCodes}. Immutable, thread-safe.
 */
public enum SrtRejectReason {
    /** Reason unknown. */
    UNKNOWN(0),
    /** A system function reported a failure. */
    SYSTEM(1),
    /** The peer rejected the connection. */
    PEER(2),
    /** A resource allocation failed. */
    RESOURCE(3),
    /** Rogue peer or incorrect parameters. */
    ROGUE(4),
    /** The listener's backlog is exceeded. */
    BACKLOG(5),
    /** Internal program error. */
    IPE(6),
    /** The socket is closing. */
    CLOSE(7),
    /** The peer's handshake version is older than the minimum required. */
    VERSION(8),
    /** Rendezvous cookie collision. */
    RDVCOOKIE(9),
    /** Wrong passphrase. */
    BADSECRET(10),
    /** Encryption is required on one side only. */
    UNSECURE(11),
    /** Message API versus stream API mismatch. */
    MESSAGEAPI(12),
    /** Congestion controller types differ. */
    CONGESTION(13),
    /** Packet filter settings differ or cannot be agreed. */
    FILTER(14),
    /** Group settings collide. */
    GROUP(15),
    /** The connection timed out. */
    TIMEOUT(16),
    /** Crypto mode mismatch (libsrt 1.5.2+). */
    CRYPTO(17);

    private static final SrtRejectReason[] BY_CODE = values();

    private final int code;

    SrtRejectReason(int code) {
        this.code = code;
    }

    /** The reason code, as libsrt's {@code srt_getrejectreason} reports it. */
    public int code() {
        return code;
    }

    /** The handshake type that carries this rejection on the wire: 1000 + {@link #code()}. */
    public int handshakeType() {
        return SrtRejectCodes.REJECTION_BASE + code;
    }

    /**
     * The built-in reason with this code, or {@code null} for any other code (an application
     * code such as {@link SrtRejectCodes#FORBIDDEN}). Allocation-free.
     */
    public static SrtRejectReason ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
