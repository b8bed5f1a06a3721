package dev.originproxy.http.internal;

import java.nio.ByteBuffer;

/**
 * A flyweight over an origin's HTTP/1.x response head (RFC 9112 §4, §5): the status line and
 * the header fields up to the empty line.
 *
 * <pre>
 *   status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF   (RFC 9112 §4)
 *   +----------+---+-----+---+------------+----+
 *   | HTTP/1.1 |SP | 200 |SP | OK         |CRLF|
 *   +----------+---+-----+---+------------+----+
 *   ^ VERSION_OFFSET  ^ STATUS_OFFSET (9)  ^ REASON_OFFSET (13)
 *   field-line *( ... CRLF ) CRLF
 * </pre>
 *
 * <p>Origins are trusted only so far: the head is bounded ({@code maxHead} bytes, at most
 * {@code maxHeaders} fields), must use CRLF line ends and carry a three-digit status. Framing
 * is read in place: {@link #contentLength()} (one value, or -1), {@link #chunked()}. Nothing is
 * allocated by {@link #wrap} and the numeric accessors. Not thread-safe: one per connection or loop.
 */
public final class HttpResponseHead {
    /** The version starts the head. */
    public static final int VERSION_OFFSET = 0;
    /** The three-digit status follows {@code HTTP/1.x SP}. */
    public static final int STATUS_OFFSET = 9;
    /** The reason phrase follows the status and a space. */
    public static final int REASON_OFFSET = 13;

    private static final byte[] CONTENT_LENGTH = HeadBytes.ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = HeadBytes.ascii("transfer-encoding");
    private static final byte[] CHUNKED = HeadBytes.ascii("chunked");

    private final int maxHead;
    private final int maxHeaders;
    private final int[] nameOffsets;
    private final int[] nameLengths;
    private final int[] valueOffsets;
    private final int[] valueLengths;

    private ByteBuffer buffer;
    private int offset;
    private int headLength;
    private int headerCount;
    private int status;
    private int reasonLength;
    private long contentLength;
    private boolean chunked;
    private String error;

    /**
     * @param maxHead the longest head accepted, in bytes
     * @param maxHeaders the most header fields accepted
     */
    public HttpResponseHead(int maxHead, int maxHeaders) {
        this.maxHead = maxHead;
        this.maxHeaders = maxHeaders;
        this.nameOffsets = new int[maxHeaders];
        this.nameLengths = new int[maxHeaders];
        this.valueOffsets = new int[maxHeaders];
        this.valueLengths = new int[maxHeaders];
    }

    /**
     * Parses the bytes {@code [offset, offset + length)}.
     *
     * @return {@link HttpRequestHead.Outcome#COMPLETE}, {@code INCOMPLETE}, or {@code INVALID}
     *     with {@link #error()} saying why
     */
    public HttpRequestHead.Outcome wrap(ByteBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.headLength = 0;
        this.headerCount = 0;
        this.status = 0;
        this.reasonLength = 0;
        this.contentLength = -1;
        this.chunked = false;
        this.error = null;
        int end = offset + Math.min(length, maxHead);
        int lf = lineEnd(offset, end);
        if (lf == -2) {
            return HttpRequestHead.Outcome.INVALID;
        }
        if (lf < 0) {
            return length >= maxHead ? fail("response head too large") : HttpRequestHead.Outcome.INCOMPLETE;
        }
        int stop = lf - 1;
        if (stop - offset < 12 || !startsWithVersion(offset) || buffer.get(offset + 8) != ' '
                || (stop - offset > 12 && buffer.get(offset + 12) != ' ')) {
            return fail("malformed status line");
        }
        for (int i = offset + STATUS_OFFSET; i < offset + STATUS_OFFSET + 3; i++) {
            byte b = buffer.get(i);
            if (b < '0' || b > '9') {
                return fail("malformed status code");
            }
            status = status * 10 + (b - '0');
        }
        if (status < 100) {
            return fail("malformed status code");
        }
        reasonLength = Math.max(0, stop - (offset + REASON_OFFSET));
        int pos = lf + 1;
        while (true) {
            lf = lineEnd(pos, end);
            if (lf == -2) {
                return HttpRequestHead.Outcome.INVALID;
            }
            if (lf < 0) {
                return length >= maxHead ? fail("response head too large") : HttpRequestHead.Outcome.INCOMPLETE;
            }
            stop = lf - 1;
            if (stop == pos) {
                headLength = lf + 1 - offset;
                return HttpRequestHead.Outcome.COMPLETE;
            }
            if (!field(pos, stop)) {
                return HttpRequestHead.Outcome.INVALID;
            }
            pos = lf + 1;
        }
    }

    private boolean startsWithVersion(int at) {
        return buffer.get(at) == 'H' && buffer.get(at + 1) == 'T' && buffer.get(at + 2) == 'T'
                && buffer.get(at + 3) == 'P' && buffer.get(at + 4) == '/' && buffer.get(at + 5) == '1'
                && buffer.get(at + 6) == '.';
    }

    private int lineEnd(int from, int limit) {
        int lf = HeadBytes.lineEnd(buffer, from, limit);
        if (lf == HeadBytes.BARE_LF || lf == HeadBytes.BARE_CR) {
            error = lf == HeadBytes.BARE_LF ? "bare LF in response head" : "bare CR in response head";
            return -2;
        }
        return lf;
    }

    private boolean field(int from, int stop) {
        byte first = buffer.get(from);
        if (first == ' ' || first == '\t') {
            error = "obsolete line folding in response head";
            return false;
        }
        int colon = from;
        while (colon < stop && buffer.get(colon) != ':') {
            byte b = buffer.get(colon);
            if (b <= ' ' || b >= 0x7f) {
                error = "malformed response header field";
                return false;
            }
            colon++;
        }
        if (colon == from || colon >= stop) {
            error = "malformed response header field";
            return false;
        }
        if (headerCount == maxHeaders) {
            error = "too many response header fields";
            return false;
        }
        int v = colon + 1;
        while (v < stop && (buffer.get(v) == ' ' || buffer.get(v) == '\t')) {
            v++;
        }
        int vEnd = stop;
        while (vEnd > v && (buffer.get(vEnd - 1) == ' ' || buffer.get(vEnd - 1) == '\t')) {
            vEnd--;
        }
        for (int k = v; k < vEnd; k++) {
            int b = buffer.get(k) & 0xff;
            if ((b < 0x20 && b != '\t') || b == 0x7f) {
                error = "control character in response header value";
                return false;
            }
        }
        int n = headerCount++;
        nameOffsets[n] = from;
        nameLengths[n] = colon - from;
        valueOffsets[n] = v;
        valueLengths[n] = vEnd - v;
        if (nameIs(n, CONTENT_LENGTH)) {
            long value = HeadBytes.decimal(buffer, v, vEnd - v);
            if (value < 0 || (contentLength >= 0 && value != contentLength)) {
                error = "invalid or conflicting Content-Length from origin";
                return false;
            }
            contentLength = value;
        } else if (nameIs(n, TRANSFER_ENCODING)) {
            // RFC 9112 §6.1: chunked must be the final coding; anything else is read to close.
            chunked = endsWithChunked(v, vEnd);
        }
        return true;
    }

    private boolean endsWithChunked(int from, int end) {
        int start = end - CHUNKED.length;
        if (start < from) {
            return false;
        }
        if (start > from && buffer.get(start - 1) != ',' && buffer.get(start - 1) != ' ') {
            return false;
        }
        return HeadBytes.equalsIgnoreCase(buffer, start, CHUNKED.length, CHUNKED);
    }

    private boolean nameIs(int n, byte[] lower) {
        return HeadBytes.equalsIgnoreCase(buffer, nameOffsets[n], nameLengths[n], lower);
    }

    private HttpRequestHead.Outcome fail(String why) {
        error = why;
        return HttpRequestHead.Outcome.INVALID;
    }

    /** Why the last wrap was invalid, else null. */
    public String error() {
        return error;
    }

    /** Bytes of the head, final CRLF included. */
    public int headLength() {
        return headLength;
    }

    /** The status code. */
    public int status() {
        return status;
    }

    /** The Content-Length, -1 when absent. */
    public long contentLength() {
        return contentLength;
    }

    /** Whether the body is chunked (Transfer-Encoding ending in chunked). */
    public boolean chunked() {
        return chunked;
    }

    /** Whether a Transfer-Encoding field was present at all. */
    public boolean hasTransferEncoding() {
        for (int n = 0; n < headerCount; n++) {
            if (nameIs(n, TRANSFER_ENCODING)) {
                return true;
            }
        }
        return false;
    }

    /** Number of header fields. */
    public int headerCount() {
        return headerCount;
    }

    /** The reason phrase (allocates; may be empty). */
    public String reason() {
        return reasonLength == 0 ? "" : string(offset + REASON_OFFSET, reasonLength);
    }

    /** Field {@code n}'s name (allocates). */
    public String headerName(int n) {
        return string(nameOffsets[n], nameLengths[n]);
    }

    /** Field {@code n}'s value (allocates). */
    public String headerValue(int n) {
        return string(valueOffsets[n], valueLengths[n]);
    }

    private String string(int from, int length) {
        return HeadBytes.string(buffer, from, length);
    }
}
