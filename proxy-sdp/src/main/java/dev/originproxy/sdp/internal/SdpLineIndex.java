package dev.originproxy.sdp.internal;

import dev.originproxy.sdp.SdpException;
import dev.originproxy.sdp.SdpException.Reason;
import dev.originproxy.sdp.SdpLimits;

/**
 * One linear pass over an SDP text that records where each line starts and ends and what kind
 * of line it is, without copying the text. Readers build their model from it; rewriters copy
 * untouched ranges of the original text between the lines they drop or insert after.
 *
 * <p>Lines end with CRLF or LF, mixed freely (RFC 8866 section 5 asks parsers to accept LF). A
 * CR anywhere else (a lone CR) is refused. Empty lines are tolerated and classified {@link #BLANK}.
 *
 * <p>Immutable after {@link #index}; safe to share between threads.
 */
public final class SdpLineIndex {
    /** Any other valid {@code <type>=<value>} line. */
    public static final byte OTHER = 0;
    /** {@code v=}. */
    public static final byte VERSION = 1;
    /** {@code m=}. */
    public static final byte MEDIA = 2;
    /** {@code a=ice-ufrag:}. */
    public static final byte ICE_UFRAG = 3;
    /** {@code a=ice-pwd:}. */
    public static final byte ICE_PWD = 4;
    /** {@code a=candidate:}. */
    public static final byte CANDIDATE = 5;
    /** {@code a=end-of-candidates}. */
    public static final byte END_OF_CANDIDATES = 6;
    /** {@code a=ice-lite}. */
    public static final byte ICE_LITE = 7;
    /** {@code a=mid:}. */
    public static final byte MID = 8;
    /** {@code a=group:}. */
    public static final byte GROUP = 9;
    /** An empty line. */
    public static final byte BLANK = 10;
    /** {@code c=} connection data. */
    public static final byte CONNECTION = 11;
    /** {@code a=rtcp:} (RFC 3605). */
    public static final byte RTCP = 12;
    /** {@code o=} origin (RFC 8866 §5.2). */
    public static final byte ORIGIN = 13;

    private final String text;
    private int count;
    private int[] starts;
    private int[] contentEnds;
    private byte[] kinds;

    private SdpLineIndex(String text, int capacity) {
        this.text = text;
        this.starts = new int[capacity];
        this.contentEnds = new int[capacity];
        this.kinds = new byte[capacity];
    }

    /**
     * Indexes {@code text}.
     *
     * @param requireVersion whether the first line must be {@code v=} (full SDP) or not (RFC 8840
     *                       fragment)
     * @throws SdpException if a limit is exceeded, the {@code v=} line is missing, or a line is
     *                      not {@code <type>=<value>}
     */
    public static SdpLineIndex index(String text, SdpLimits limits, boolean requireVersion) {
        int length = text.length();
        if (length > limits.maxLength()) {
            throw new SdpException(Reason.TOO_LARGE, "SDP of " + length + " chars exceeds the limit of "
                    + limits.maxLength());
        }
        // A typical SDP line is 30-40 chars; guessing avoids most regrowth without over-allocating.
        int capacity = Math.min(limits.maxLines(), length / 32 + 8);
        SdpLineIndex index = new SdpLineIndex(text, capacity);
        int pos = 0;
        // Position of the next CR at or after pos; tracked once across the text to stay linear.
        int nextCr = -1;
        while (pos < length) {
            int newline = text.indexOf('\n', pos);
            int next = newline < 0 ? length : newline + 1;
            int contentEnd = newline < 0 ? length : newline;
            if (contentEnd > pos && text.charAt(contentEnd - 1) == '\r' && newline >= 0) {
                contentEnd--;
            }
            int lineNumber = index.count + 1;
            if (nextCr < pos) {
                nextCr = text.indexOf('\r', pos);
                nextCr = nextCr < 0 ? Integer.MAX_VALUE : nextCr;
            }
            if (nextCr < contentEnd) {
                // RFC 8866 section 5: CR may only appear as part of a CRLF line ending.
                throw new SdpException(Reason.MALFORMED_LINE, "SDP line " + lineNumber
                        + " contains a CR that does not end the line");
            }
            if (lineNumber > limits.maxLines()) {
                throw new SdpException(Reason.TOO_MANY_LINES, "SDP has more than " + limits.maxLines()
                        + " lines");
            }
            if (contentEnd - pos > limits.maxLineLength()) {
                throw new SdpException(Reason.LINE_TOO_LONG, "SDP line " + lineNumber + " is longer than "
                        + limits.maxLineLength() + " chars");
            }
            index.add(pos, contentEnd, classify(text, pos, contentEnd, lineNumber));
            pos = next;
        }
        if (requireVersion && (index.count == 0 || index.kinds[0] != VERSION)) {
            throw new SdpException(Reason.NOT_SDP, "SDP does not start with a v= line");
        }
        return index;
    }

    private static byte classify(String text, int start, int end, int lineNumber) {
        int length = end - start;
        if (length == 0) {
            return BLANK;
        }
        char type = text.charAt(start);
        if (length < 2 || type < 'a' || type > 'z' || text.charAt(start + 1) != '=') {
            throw new SdpException(Reason.MALFORMED_LINE, "SDP line " + lineNumber
                    + " is not of the form <type>=<value>");
        }
        switch (type) {
            case 'v':
                return VERSION;
            case 'm':
                return MEDIA;
            case 'c':
                return CONNECTION;
            case 'o':
                return ORIGIN;
            case 'a':
                return classifyAttribute(text, start + 2, end);
            default:
                return OTHER;
        }
    }

    private static byte classifyAttribute(String text, int from, int end) {
        if (from >= end) {
            return OTHER;
        }
        // The first char picks the one or few names to compare (they differ in it), rather than
        // trying every name in turn on every a= line.
        switch (text.charAt(from)) {
            case 'c':
                return startsWith(text, from, end, "candidate:") ? CANDIDATE : OTHER;
            case 'i':
                if (startsWith(text, from, end, "ice-ufrag:")) {
                    return ICE_UFRAG;
                }
                if (startsWith(text, from, end, "ice-pwd:")) {
                    return ICE_PWD;
                }
                return equalsRange(text, from, end, "ice-lite") ? ICE_LITE : OTHER;
            case 'r':
                return startsWith(text, from, end, "rtcp:") ? RTCP : OTHER;
            case 'm':
                return startsWith(text, from, end, "mid:") ? MID : OTHER;
            case 'g':
                return startsWith(text, from, end, "group:") ? GROUP : OTHER;
            case 'e':
                return equalsRange(text, from, end, "end-of-candidates") ? END_OF_CANDIDATES : OTHER;
            default:
                return OTHER;
        }
    }

    private static boolean startsWith(String text, int from, int end, String prefix) {
        return end - from >= prefix.length() && text.startsWith(prefix, from);
    }

    private static boolean equalsRange(String text, int from, int end, String value) {
        return end - from == value.length() && text.startsWith(value, from);
    }

    private void add(int start, int contentEnd, byte kind) {
        if (count == starts.length) {
            int grown = Math.max(8, count * 2);
            starts = java.util.Arrays.copyOf(starts, grown);
            contentEnds = java.util.Arrays.copyOf(contentEnds, grown);
            kinds = java.util.Arrays.copyOf(kinds, grown);
        }
        starts[count] = start;
        contentEnds[count] = contentEnd;
        kinds[count] = kind;
        count++;
    }

    /** @return the indexed text */
    public String text() {
        return text;
    }

    /** @return the number of lines */
    public int lineCount() {
        return count;
    }

    /** @return the kind of line {@code line} (0-based), one of the constants of this class */
    public byte kind(int line) {
        return kinds[line];
    }

    /** @return the offset of the first char of line {@code line} */
    public int start(int line) {
        return starts[line];
    }

    /** @return the offset just past the content of line {@code line}, before its line ending */
    public int contentEnd(int line) {
        return contentEnds[line];
    }

    /** @return the offset just past the line ending of line {@code line} (the next line's start) */
    public int end(int line) {
        return line + 1 < count ? starts[line + 1] : text.length();
    }

    /** @return the line ending of line {@code line}: {@code "\r\n"}, {@code "\n"}, or {@code ""} for a last line without one */
    public String lineEnding(int line) {
        int contentEnd = contentEnds[line];
        if (contentEnd == end(line)) {
            return "";
        }
        return text.charAt(contentEnd) == '\r' ? "\r\n" : "\n";
    }

    /** @return the value of line {@code line} after its first {@code skip} chars */
    public String value(int line, int skip) {
        return text.substring(starts[line] + skip, contentEnds[line]);
    }

    /** @return whether any line is of kind {@code a} or {@code b}; used to skip rewriting */
    public boolean contains(byte a, byte b) {
        for (int i = 0; i < count; i++) {
            if (kinds[i] == a || kinds[i] == b) {
                return true;
            }
        }
        return false;
    }
}
