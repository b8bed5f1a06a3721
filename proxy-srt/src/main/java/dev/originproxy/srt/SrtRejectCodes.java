package dev.originproxy.srt;

/**
 * Rejection reason codes beyond {@link SrtRejectReason}: the predefined access-control codes an
 * SRT listener application returns (libsrt {@code access_control.h}, {@code SRT_REJX_*}, modelled
 * on HTTP status codes plus 1000), and the arithmetic between a reason code and the handshake
 * type that carries it ({@code draft-sharabayko-srt} §3.2.1: a handshake type of 1000 or more is
 * a rejection).
 *
 * <p>On the wire the handshake type is always 1000 + reason code, so the access-control code
 * {@link #FORBIDDEN} (1403) travels as handshake type 2403, exactly as libsrt
 * ({@code URQFailure}) sends it, and a libsrt caller reports 1403 from
 * {@code srt_getrejectreason}. Constants only; thread-safe.
 */
public final class SrtRejectCodes {
    /** Handshake types at or above this value are rejections; type = base + reason code. */
    public static final int REJECTION_BASE = 1000;
    /** First reason code of the predefined access-control range ({@code SRT_REJC_PREDEFINED}). */
    public static final int PREDEFINED_BASE = 1000;
    /** First reason code an application may define freely ({@code SRT_REJC_USERDEFINED}). */
    public static final int USER_DEFINED_BASE = 2000;

    /** Fallback: the application rejected without a more precise code. */
    public static final int FALLBACK = 1000;
    /** A key in the stream id is not supported. */
    public static final int KEY_NOT_SUPPORTED = 1001;
    /** The resource path is invalid. */
    public static final int FILE_PATH = 1002;
    /** The {@code h=} host is not served here. */
    public static final int HOST_NOT_FOUND = 1003;
    /** General syntax error in the stream id (HTTP 400). */
    public static final int BAD_REQUEST = 1400;
    /** Authentication failed (HTTP 401). */
    public static final int UNAUTHORIZED = 1401;
    /** Server overloaded or over quota (HTTP 402/429). */
    public static final int OVERLOAD = 1402;
    /** Access denied to this resource (HTTP 403). */
    public static final int FORBIDDEN = 1403;
    /** Resource not found (HTTP 404). */
    public static final int NOT_FOUND = 1404;
    /** The {@code m=} mode is not supported for this resource (HTTP 405). */
    public static final int BAD_MODE = 1405;
    /** Requested parameters cannot be satisfied (HTTP 406). */
    public static final int UNACCEPTABLE = 1406;
    /** The resource is already in use, for example a second publisher (HTTP 409). */
    public static final int CONFLICT = 1409;
    /** Media type not supported (HTTP 415). */
    public static final int UNSUPPORTED_MEDIA = 1415;
    /** The resource is locked (HTTP 423). */
    public static final int LOCKED = 1423;
    /** A dependent session failed (HTTP 424). */
    public static final int FAILED_DEPENDENCY = 1424;
    /** Internal server error (HTTP 500). */
    public static final int INTERNAL_SERVER_ERROR = 1500;
    /** Not implemented (HTTP 501). */
    public static final int UNIMPLEMENTED = 1501;
    /** Bad gateway: the upstream (origin) failed (HTTP 502). */
    public static final int BAD_GATEWAY = 1502;
    /** Service unavailable (HTTP 503). */
    public static final int DOWN = 1503;
    /** SRT version not supported (HTTP 505). */
    public static final int VERSION_NOT_SUPPORTED = 1505;
    /** Insufficient storage (HTTP 507). */
    public static final int NO_ROOM = 1507;

    private SrtRejectCodes() {
    }

    /** {@code true} when a handshake type is a rejection (1000 or more). */
    public static boolean isRejection(int handshakeType) {
        return handshakeType >= REJECTION_BASE;
    }

    /** The reason code carried by a rejection handshake type, or -1 if it is no rejection. */
    public static int reasonCodeOf(int handshakeType) {
        return isRejection(handshakeType) ? handshakeType - REJECTION_BASE : -1;
    }

    /**
     * The handshake type carrying a reason code: 1000 + {@code reasonCode}, or -1 when the code
     * is negative or would overflow.
     */
    public static int handshakeTypeOf(int reasonCode) {
        return reasonCode < 0 || reasonCode > Integer.MAX_VALUE - REJECTION_BASE
                ? -1 : REJECTION_BASE + reasonCode;
    }
}
