package dev.originproxy.http.internal;

import java.nio.ByteBuffer;

/**
 * A flyweight over one HTTP/1.1 request head (RFC 9112 §2-§6) in a {@link ByteBuffer}: the
 * request line and the header fields up to the empty line.
 *
 * <pre>
 *   request-line = method SP request-target SP HTTP-version CRLF      (RFC 9112 §3)
 *   field-line   = field-name ":" OWS field-value OWS CRLF             (RFC 9112 §5)
 *   ...                                                                (at most maxHeaders)
 *   CRLF                                                               (end of head)
 *
 *   +------+---+--------------------+---+----------+----+
 *   | GET  |SP | /live/s.flv?tok=1  |SP | HTTP/1.1 |CRLF|
 *   +------+---+--------------------+---+----------+----+
 *   ^ METHOD_OFFSET (0)  ^ targetOffset()    pathLength() ends at '?'
 *   | Host | : | OWS | 127.0.0.1:18080 | OWS |CRLF|    one entry per field line,
 *   ...                                              offsets kept in int arrays
 *   |CRLF|                                           headLength() ends here
 * </pre>
 *
 * <p>{@link #wrap} parses what has arrived so far and says whether the head is
 * {@link Outcome#COMPLETE complete}, {@link Outcome#INCOMPLETE needs more bytes} or
 * {@link Outcome#INVALID invalid} ({@link #error()} says why and which status to answer). It is
 * strict where leniency enables request smuggling: only CRLF line ends (bare CR and bare LF are
 * refused), no obsolete line folding, no whitespace before a colon, exactly one {@code Host}
 * on HTTP/1.1, one {@code Content-Length} value, and no {@code Transfer-Encoding} at all (no
 * method this front serves carries a body, and chunked bodies are the smuggling vector).
 * Bounds are checked before anything is read past them: the request line within
 * {@code maxRequestLine} bytes (414), the whole head within {@code maxHead} bytes and
 * {@code maxHeaders} fields (431).
 *
 * <p>Nothing is copied or allocated by {@code wrap} and the non-String accessors; methods
 * returning a {@code String} allocate it and say so. The buffer's position, limit and byte order
 * are never changed; offsets are absolute indices. Not thread-safe: one instance per event loop
 * (or connection), re-wrapped for each request.
 */
public final class HttpRequestHead {
    /** What a {@link #wrap} found. */
    public enum Outcome {
        /** The whole head is there and valid. */
        COMPLETE,
        /** Valid so far; more bytes are needed. */
        INCOMPLETE,
        /** Refused; see {@link #error()}. */
        INVALID
    }

    /** The method starts the head. */
    public static final int METHOD_OFFSET = 0;
    /** Default bound of the request line, CRLF included. */
    public static final int DEFAULT_MAX_REQUEST_LINE = 8 * 1024;
    /** Default bound of the whole head, final CRLF included. */
    public static final int DEFAULT_MAX_HEAD = 16 * 1024;
    /** Default bound of the number of header fields. */
    public static final int DEFAULT_MAX_HEADERS = 64;

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte HTAB = '\t';

    private static final byte[] HOST = ascii("host");
    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] HTTP_VERSION_PREFIX = ascii("HTTP/1.");

    /** RFC 9110 §5.6.2 tchar, indexed by byte value. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private final int maxRequestLine;
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
    private HttpMethod method;
    private int methodLength;
    private int targetOffset;
    private int targetLength;
    private int pathLength;
    private boolean http11;
    private long contentLength;
    private boolean keepAlive;
    private int hostIndex;
    private HeadError error;

    /** A parser with the default bounds. */
    public HttpRequestHead() {
        this(DEFAULT_MAX_REQUEST_LINE, DEFAULT_MAX_HEAD, DEFAULT_MAX_HEADERS);
    }

    /**
     * @param maxRequestLine the longest request line, CRLF included (414 beyond)
     * @param maxHead the longest head, final CRLF included (431 beyond)
     * @param maxHeaders the most header fields (431 beyond)
     */
    public HttpRequestHead(int maxRequestLine, int maxHead, int maxHeaders) {
        if (maxRequestLine < 16 || maxHead < maxRequestLine || maxHeaders < 1) {
            throw new IllegalArgumentException("bounds too small");
        }
        this.maxRequestLine = maxRequestLine;
        this.maxHead = maxHead;
        this.maxHeaders = maxHeaders;
        this.nameOffsets = new int[maxHeaders];
        this.nameLengths = new int[maxHeaders];
        this.valueOffsets = new int[maxHeaders];
        this.valueLengths = new int[maxHeaders];
    }

    /** The bound of the whole head, in bytes. */
    public int maxHead() {
        return maxHead;
    }

    /**
     * Parses the bytes {@code [offset, offset + length)} as the start of a request.
     *
     * @return whether the head is complete, needs more bytes, or is invalid
     */
    public Outcome wrap(ByteBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.headLength = 0;
        this.headerCount = 0;
        this.method = HttpMethod.OTHER;
        this.methodLength = 0;
        this.targetOffset = 0;
        this.targetLength = 0;
        this.pathLength = 0;
        this.http11 = false;
        this.contentLength = -1;
        this.keepAlive = false;
        this.hostIndex = -1;
        this.error = null;

        int end = offset + Math.min(length, maxHead);
        int lineEnd = findLineEnd(offset, Math.min(end, offset + maxRequestLine));
        if (lineEnd == -2) {
            return Outcome.INVALID;
        }
        if (lineEnd < 0) {
            if (length >= maxRequestLine) {
                return fail(HeadError.REQUEST_LINE_TOO_LONG);
            }
            return Outcome.INCOMPLETE;
        }
        if (!parseRequestLine(offset, lineEnd - 1)) {
            return Outcome.INVALID;
        }
        int pos = lineEnd + 1;
        while (true) {
            int lf = findLineEnd(pos, end);
            if (lf == -2) {
                return Outcome.INVALID;
            }
            if (lf < 0) {
                return length >= maxHead ? fail(HeadError.HEAD_TOO_LARGE) : Outcome.INCOMPLETE;
            }
            int lineStop = lf - 1; // the CR
            if (lineStop == pos) {
                headLength = lf + 1 - offset;
                return finish();
            }
            if (!parseField(pos, lineStop)) {
                return Outcome.INVALID;
            }
            pos = lf + 1;
        }
    }

    /** {@link HeadBytes#lineEnd}, with {@link #error} set on a bare CR or LF (then -2). */
    private int findLineEnd(int from, int limit) {
        int lf = HeadBytes.lineEnd(buffer, from, limit);
        if (lf == HeadBytes.BARE_LF || lf == HeadBytes.BARE_CR) {
            error = lf == HeadBytes.BARE_LF ? HeadError.BARE_LF : HeadError.BARE_CR;
            return -2;
        }
        return lf;
    }

    private boolean parseRequestLine(int from, int stop) {
        int i = from;
        while (i < stop && isTchar(buffer.get(i))) {
            i++;
        }
        methodLength = i - from;
        if (methodLength == 0 || i >= stop) {
            return failed(HeadError.MALFORMED_METHOD);
        }
        if (buffer.get(i) != SP) {
            return failed(methodLength > 0 && i < stop ? HeadError.MALFORMED_REQUEST_LINE : HeadError.MALFORMED_METHOD);
        }
        method = methodOf(from, methodLength);
        i++;
        targetOffset = i;
        pathLength = -1;
        while (i < stop) {
            byte b = buffer.get(i);
            if (b == SP) {
                break;
            }
            if (b < 0x21 || b > 0x7e || b == '#') {
                return failed(HeadError.MALFORMED_TARGET);
            }
            if (b == '?' && pathLength < 0) {
                pathLength = i - targetOffset;
            }
            i++;
        }
        targetLength = i - targetOffset;
        if (pathLength < 0) {
            pathLength = targetLength;
        }
        if (targetLength == 0 || i >= stop) {
            return failed(HeadError.MALFORMED_REQUEST_LINE);
        }
        byte first = buffer.get(targetOffset);
        boolean asterisk = targetLength == 1 && first == '*' && method == HttpMethod.OPTIONS;
        if (first != '/' && !asterisk) {
            return failed(HeadError.MALFORMED_TARGET);
        }
        i++; // SP
        int versionLength = stop - i;
        if (versionLength != 8) {
            return failed(versionLength > 0 && buffer.get(i) == 'H' ? HeadError.UNSUPPORTED_VERSION
                    : HeadError.MALFORMED_REQUEST_LINE);
        }
        for (int k = 0; k < HTTP_VERSION_PREFIX.length; k++) {
            if (buffer.get(i + k) != HTTP_VERSION_PREFIX[k]) {
                return failed(buffer.get(i) == 'H' ? HeadError.UNSUPPORTED_VERSION : HeadError.MALFORMED_REQUEST_LINE);
            }
        }
        byte minor = buffer.get(i + 7);
        if (minor == '1') {
            http11 = true;
        } else if (minor != '0') {
            return failed(HeadError.UNSUPPORTED_VERSION);
        }
        keepAlive = http11;
        return true;
    }

    private boolean parseField(int from, int stop) {
        byte first = buffer.get(from);
        if (first == SP || first == HTAB) {
            return failed(HeadError.OBS_FOLD);
        }
        int i = from;
        while (i < stop) {
            byte b = buffer.get(i);
            if (b == ':') {
                break;
            }
            if (b == SP || b == HTAB) {
                return failed(HeadError.WHITESPACE_BEFORE_COLON);
            }
            if (!isTchar(b)) {
                return failed(HeadError.MALFORMED_HEADER);
            }
            i++;
        }
        if (i == from || i >= stop) {
            return failed(HeadError.MALFORMED_HEADER);
        }
        if (headerCount == maxHeaders) {
            return failed(HeadError.TOO_MANY_HEADERS);
        }
        int nameLength = i - from;
        int v = i + 1;
        while (v < stop && (buffer.get(v) == SP || buffer.get(v) == HTAB)) {
            v++;
        }
        int vEnd = stop;
        while (vEnd > v && (buffer.get(vEnd - 1) == SP || buffer.get(vEnd - 1) == HTAB)) {
            vEnd--;
        }
        for (int k = v; k < vEnd; k++) {
            int b = buffer.get(k) & 0xff;
            if ((b < 0x20 && b != HTAB) || b == 0x7f) {
                return failed(HeadError.BAD_HEADER_VALUE);
            }
        }
        int n = headerCount++;
        nameOffsets[n] = from;
        nameLengths[n] = nameLength;
        valueOffsets[n] = v;
        valueLengths[n] = vEnd - v;
        return true;
    }

    /** Checks the fields whose meaning is framing or routing. */
    private Outcome finish() {
        for (int n = 0; n < headerCount; n++) {
            if (nameIs(n, HOST)) {
                if (hostIndex >= 0) {
                    return fail(HeadError.BAD_HOST);
                }
                hostIndex = n;
            } else if (nameIs(n, CONTENT_LENGTH)) {
                long value = HeadBytes.decimal(buffer, valueOffsets[n], valueLengths[n]);
                if (value < 0 || (contentLength >= 0 && contentLength != value)) {
                    return fail(HeadError.BAD_CONTENT_LENGTH);
                }
                contentLength = value;
            } else if (nameIs(n, TRANSFER_ENCODING)) {
                return fail(HeadError.TRANSFER_ENCODING);
            } else if (nameIs(n, CONNECTION)) {
                if (hasToken(n, CLOSE)) {
                    keepAlive = false;
                } else if (!http11 && hasToken(n, KEEP_ALIVE)) {
                    keepAlive = true;
                }
            }
        }
        if (http11 && hostIndex < 0) {
            return fail(HeadError.BAD_HOST);
        }
        return Outcome.COMPLETE;
    }

    /** Whether field {@code n}'s comma-separated value lists {@code token} (case-insensitive). */
    private boolean hasToken(int n, byte[] token) {
        int i = valueOffsets[n];
        int end = i + valueLengths[n];
        while (i < end) {
            while (i < end && (buffer.get(i) == SP || buffer.get(i) == HTAB || buffer.get(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < end && buffer.get(i) != ',') {
                i++;
            }
            int stop = i;
            while (stop > start && (buffer.get(stop - 1) == SP || buffer.get(stop - 1) == HTAB)) {
                stop--;
            }
            if (HeadBytes.equalsIgnoreCase(buffer, start, stop - start, token)) {
                return true;
            }
        }
        return false;
    }

    private HttpMethod methodOf(int from, int length) {
        switch (length) {
            case 3:
                if (is(from, 'G', 'E', 'T')) {
                    return HttpMethod.GET;
                }
                return is(from, 'P', 'U', 'T') ? HttpMethod.PUT : HttpMethod.OTHER;
            case 4:
                if (is(from, 'H', 'E', 'A') && buffer.get(from + 3) == 'D') {
                    return HttpMethod.HEAD;
                }
                return is(from, 'P', 'O', 'S') && buffer.get(from + 3) == 'T' ? HttpMethod.POST : HttpMethod.OTHER;
            case 6:
                return is(from, 'D', 'E', 'L') && is(from + 3, 'E', 'T', 'E') ? HttpMethod.DELETE : HttpMethod.OTHER;
            case 7:
                return is(from, 'O', 'P', 'T') && is(from + 3, 'I', 'O', 'N') && buffer.get(from + 6) == 'S'
                        ? HttpMethod.OPTIONS : HttpMethod.OTHER;
            default:
                return HttpMethod.OTHER;
        }
    }

    private boolean is(int at, char a, char b, char c) {
        return buffer.get(at) == a && buffer.get(at + 1) == b && buffer.get(at + 2) == c;
    }

    private boolean nameIs(int n, byte[] lowerName) {
        return HeadBytes.equalsIgnoreCase(buffer, nameOffsets[n], nameLengths[n], lowerName);
    }

    private static boolean isTchar(byte b) {
        return b > 0 && TCHAR[b];
    }

    private Outcome fail(HeadError e) {
        error = e;
        return Outcome.INVALID;
    }

    private boolean failed(HeadError e) {
        error = e;
        return false;
    }

    // ---- accessors -------------------------------------------------------------------------

    /** Why the last wrap was {@link Outcome#INVALID}, else null. */
    public HeadError error() {
        return error;
    }

    /** Bytes of the head, final CRLF included; the body (if any) starts after them. */
    public int headLength() {
        return headLength;
    }

    /** The method, {@link HttpMethod#OTHER} for tokens the front does not serve. */
    public HttpMethod method() {
        return method;
    }

    /** Absolute index of the request target. */
    public int targetOffset() {
        return targetOffset;
    }

    /** Length of the request target (path and query). */
    public int targetLength() {
        return targetLength;
    }

    /** Length of the path part of the target (up to {@code ?}). */
    public int pathLength() {
        return pathLength;
    }

    /** Whether the version is HTTP/1.1 (else HTTP/1.0). */
    public boolean isHttp11() {
        return http11;
    }

    /** Whether the client asks to keep the connection (HTTP/1.1 default, {@code Connection}). */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** The Content-Length, -1 when absent. */
    public long contentLength() {
        return contentLength;
    }

    /** Number of header fields. */
    public int headerCount() {
        return headerCount;
    }

    /** Absolute index of field {@code n}'s name. */
    public int headerNameOffset(int n) {
        return nameOffsets[n];
    }

    /** Length of field {@code n}'s name. */
    public int headerNameLength(int n) {
        return nameLengths[n];
    }

    /** Absolute index of field {@code n}'s value (OWS trimmed). */
    public int headerValueOffset(int n) {
        return valueOffsets[n];
    }

    /** Length of field {@code n}'s value (OWS trimmed). */
    public int headerValueLength(int n) {
        return valueLengths[n];
    }

    /** The index of the first field named {@code lowerCaseName} (ASCII, lower case), or -1. */
    public int indexOf(byte[] lowerCaseName) {
        for (int n = 0; n < headerCount; n++) {
            if (nameIs(n, lowerCaseName)) {
                return n;
            }
        }
        return -1;
    }

    /** The method token as text (allocates). */
    public String methodText() {
        return string(offset + METHOD_OFFSET, methodLength);
    }

    /** The raw request target (allocates). */
    public String target() {
        return string(targetOffset, targetLength);
    }

    /** The raw path, still percent-encoded (allocates). */
    public String path() {
        return string(targetOffset, pathLength);
    }

    /** The raw query without {@code ?}, or null when the target has none (allocates). */
    public String query() {
        return pathLength == targetLength ? null : string(targetOffset + pathLength + 1, targetLength - pathLength - 1);
    }

    /** The Host value, or null (allocates). */
    public String host() {
        return hostIndex < 0 ? null : headerValue(hostIndex);
    }

    /** Field {@code n}'s name as sent (allocates). */
    public String headerName(int n) {
        return string(nameOffsets[n], nameLengths[n]);
    }

    /** Field {@code n}'s value, ISO-8859-1 decoded as RFC 9110 §5.5 allows (allocates). */
    public String headerValue(int n) {
        return string(valueOffsets[n], valueLengths[n]);
    }

    private String string(int from, int length) {
        return HeadBytes.string(buffer, from, length);
    }

    static byte[] ascii(String s) {
        return HeadBytes.ascii(s);
    }
}
