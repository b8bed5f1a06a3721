package dev.originproxy.http.internal;

/**
 * Why a request head was refused, with the status the front answers (RFC 9110 §15, RFC 6585 §5
 * for 431) and the one-line reason sent in the body. Counted per reason by the front.
 */
public enum HeadError {
    /** No CRLF within the request-line bound (RFC 9112 §3: 414 when the target is too long). */
    REQUEST_LINE_TOO_LONG(414, "request line too long"),
    /** The head did not end within its byte bound. */
    HEAD_TOO_LARGE(431, "request header fields too large"),
    /** More header fields than the bound. */
    TOO_MANY_HEADERS(431, "too many request header fields"),
    /** Not {@code method SP target SP version} (RFC 9112 §3). */
    MALFORMED_REQUEST_LINE(400, "malformed request line"),
    /** A method that is not a token (RFC 9110 §9.1). */
    MALFORMED_METHOD(400, "malformed method"),
    /** A target that is not origin-form (or {@code *} for OPTIONS), or holds a byte outside VCHAR. */
    MALFORMED_TARGET(400, "malformed request target"),
    /** Not HTTP/1.0 or HTTP/1.1. */
    UNSUPPORTED_VERSION(505, "HTTP version not supported"),
    /** A CR not followed by LF: a request smuggling vector (RFC 9112 §2.2). */
    BARE_CR(400, "bare CR in request head"),
    /** A LF not preceded by CR; this front accepts CRLF line ends only. */
    BARE_LF(400, "bare LF in request head"),
    /** A header line starting with whitespace (obsolete line folding, RFC 9112 §5.2). */
    OBS_FOLD(400, "obsolete line folding in request head"),
    /** A header line without a colon, an empty or non-token name. */
    MALFORMED_HEADER(400, "malformed header field"),
    /** Whitespace between a field name and its colon (RFC 9112 §5.1: MUST be rejected). */
    WHITESPACE_BEFORE_COLON(400, "whitespace before colon in header field"),
    /** A control character in a field value (RFC 9110 §5.5). */
    BAD_HEADER_VALUE(400, "control character in header field value"),
    /** HTTP/1.1 without exactly one Host (RFC 9112 §3.2). */
    BAD_HOST(400, "missing or repeated Host header"),
    /** A Content-Length that is not a decimal number, or several that differ (RFC 9112 §6.3). */
    BAD_CONTENT_LENGTH(400, "invalid or conflicting Content-Length"),
    /** Transfer-Encoding on a request: with Content-Length a smuggling vector, and no method this front serves has a body. */
    TRANSFER_ENCODING(400, "Transfer-Encoding not accepted on requests");

    private final int status;
    private final String reason;

    HeadError(int status, String reason) {
        this.status = status;
        this.reason = reason;
    }

    /** The HTTP status answered. */
    public int status() {
        return status;
    }

    /** The one-line reason sent to the client. */
    public String reason() {
        return reason;
    }
}
