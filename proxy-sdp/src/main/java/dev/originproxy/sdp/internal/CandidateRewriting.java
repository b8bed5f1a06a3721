package dev.originproxy.sdp.internal;

import static dev.originproxy.sdp.internal.SdpLineIndex.CANDIDATE;
import static dev.originproxy.sdp.internal.SdpLineIndex.CONNECTION;
import static dev.originproxy.sdp.internal.SdpLineIndex.ORIGIN;
import static dev.originproxy.sdp.internal.SdpLineIndex.RTCP;
import static dev.originproxy.sdp.internal.SdpLineIndex.END_OF_CANDIDATES;
import static dev.originproxy.sdp.internal.SdpLineIndex.ICE_UFRAG;
import static dev.originproxy.sdp.internal.SdpLineIndex.MEDIA;

/**
 * The two candidate rewrites of the signalling forwarder, done by copying untouched ranges of the
 * original text into one presized {@link StringBuilder} (see {@code Output}): linear time, no
 * per-line strings.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class CandidateRewriting {
    private static final String END_OF_CANDIDATES_LINE = "a=end-of-candidates";

    private CandidateRewriting() {
    }

    /**
     * Removes every {@code a=candidate} and {@code a=end-of-candidates} line; returns the original
     * text when there is none.
     */
    public static String stripCandidates(SdpLineIndex index) {
        if (!index.contains(CANDIDATE, END_OF_CANDIDATES)) {
            return index.text();
        }
        String text = index.text();
        Output out = new Output(text.length());
        int copyFrom = 0;
        for (int line = 0, n = index.lineCount(); line < n; line++) {
            byte kind = index.kind(line);
            if (kind == CANDIDATE || kind == END_OF_CANDIDATES) {
                out.append(text, copyFrom, index.start(line));
                copyFrom = index.end(line);
            }
        }
        out.append(text, copyFrom, text.length());
        return out.toString();
    }

    /**
     * Removes every {@code a=candidate} line and inserts {@code crlfBlock} or {@code lfBlock}
     * (pre-formatted candidate lines, each ending with CRLF resp. LF) into every m-section, right
     * after the section's first {@code a=ice-ufrag} line, or after its {@code m=} line when it
     * has none. The block follows the line ending of the line it is inserted after. An
     * {@code a=end-of-candidates} line stays where it is, unless it precedes the insertion point,
     * in which case it moves to just after the inserted block (RFC 8840 section 8.2: nothing may
     * follow it).
     */
    public static String replaceCandidates(SdpLineIndex index, String crlfBlock, String lfBlock) {
        return replaceCandidates(index, crlfBlock, lfBlock, null, 0);
    }

    /**
     * As {@link #replaceCandidates(SdpLineIndex, String, String)}, and also moves the default
     * candidate (RFC 8839 §4.2.1.1, RFC 3605) to the proxy: an {@code o=} or {@code c=} line with a
     * real address gets {@code proxyAddress}, an {@code m=} line whose port is neither 0 (rejected) nor 9 (the
     * placeholder) gets {@code proxyPort}, and so does an {@code a=rtcp:} line. Without this the
     * origin's own address would still reach the client through those lines.
     *
     * @param proxyAddress an IP literal, or null to leave those lines alone
     */
    public static String replaceCandidates(SdpLineIndex index, String crlfBlock, String lfBlock,
                                           String proxyAddress, int proxyPort) {
        int lines = index.lineCount();
        int sections = 0;
        int defaultCandidateLines = 0;
        for (int line = 0; line < lines; line++) {
            byte kind = index.kind(line);
            if (kind == MEDIA) {
                sections++;
            }
            if (kind == CONNECTION || kind == MEDIA || kind == RTCP || kind == ORIGIN) {
                defaultCandidateLines++;
            }
        }
        // Pass 1: the insertion line of each section and whether its end-of-candidates must move.
        int[] anchors = new int[sections];
        boolean[] moveEndOfCandidates = new boolean[sections];
        int section = -1;
        boolean sawUfrag = false;
        boolean sawEndOfCandidates = false;
        for (int line = 0; line < lines; line++) {
            byte kind = index.kind(line);
            if (kind == MEDIA) {
                section++;
                anchors[section] = line;
                sawUfrag = false;
                sawEndOfCandidates = false;
            } else if (section >= 0) {
                if (kind == ICE_UFRAG && !sawUfrag) {
                    sawUfrag = true;
                    anchors[section] = line;
                    moveEndOfCandidates[section] = sawEndOfCandidates;
                } else if (kind == END_OF_CANDIDATES) {
                    sawEndOfCandidates = true;
                }
            }
        }

        String text = index.text();
        String documentEnding = lines > 0 && index.lineEnding(0).equals("\n") ? "\n" : "\r\n";
        String family = proxyAddress == null ? null : proxyAddress.indexOf(':') >= 0 ? "IP6" : "IP4";
        String portText = proxyAddress == null ? null : Integer.toString(proxyPort);
        // Upper bound: each section may add a line ending, the block and a moved end-of-candidates.
        // Upper bound also covers every rewritten default-candidate line (o=, c=, m=, a=rtcp:)
        // growing to its longest form.
        Output out = new Output(text.length()
                + sections * (2 + Math.max(crlfBlock.length(), lfBlock.length()) + END_OF_CANDIDATES_LINE.length() + 2)
                + (proxyAddress == null ? 0 : defaultCandidateLines * (proxyAddress.length() + 24)));
        int copyFrom = 0;
        // Each o=, c=, m= and a=rtcp: line is copied here to be parsed without per-char String access.
        char[] scratch = new char[proxyAddress == null ? 0 : 128];
        section = -1;
        for (int line = 0; line < lines; line++) {
            byte kind = index.kind(line);
            if (kind == MEDIA) {
                section++;
            }
            boolean drop = kind == CANDIDATE
                    || (kind == END_OF_CANDIDATES && section >= 0 && moveEndOfCandidates[section]
                        && line < anchors[section]);
            if (drop) {
                out.append(text, copyFrom, index.start(line));
                copyFrom = index.end(line);
                continue;
            }
            if (proxyAddress != null && (kind == CONNECTION || kind == MEDIA || kind == RTCP || kind == ORIGIN)) {
                int start = index.start(line);
                int contentEnd = index.contentEnd(line);
                if (scratch.length < contentEnd - start) {
                    scratch = new char[contentEnd - start];
                }
                text.getChars(start, contentEnd, scratch, 0);
                if (writeDefaultCandidate(out, kind, scratch, contentEnd - start, text, copyFrom, start,
                        proxyAddress, family, portText)) {
                    copyFrom = contentEnd;
                }
            }
            if (section >= 0 && line == anchors[section]) {
                out.append(text, copyFrom, index.end(line));
                copyFrom = index.end(line);
                String ending = index.lineEnding(line);
                if (ending.isEmpty()) {
                    ending = documentEnding;
                    out.append(ending);
                }
                out.append(ending.length() == 2 ? crlfBlock : lfBlock);
                if (moveEndOfCandidates[section]) {
                    out.append(END_OF_CANDIDATES_LINE);
                    out.append(ending);
                }
            }
        }
        out.append(text, copyFrom, text.length());
        return out.toString();
    }

    /**
     * Moves the default candidate of one {@code o=}, {@code c=}, {@code m=} or {@code a=rtcp:}
     * line to the proxy. The line, {@code text[start, start + length)} without its ending, is also
     * in {@code line[0, length)}, where it is parsed. When it is to change, appends
     * {@code text[copyFrom, start)} and the rewritten line to {@code out} and returns true;
     * otherwise appends nothing and returns false. Index-based: no substring, no split, no
     * per-line string.
     *
     * <p>Tokens are split at single spaces as {@code String.split(" ")} splits them (a leading
     * space yields an empty first token, trailing spaces are dropped), so that the o= and c=
     * rules below count tokens exactly as {@code value.split(" ")} would.
     */
    private static boolean writeDefaultCandidate(Output out, byte kind, char[] line, int length, String text,
                                                 int copyFrom, int start, String address, String family,
                                                 String port) {
        if (kind == ORIGIN) {
            // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
            int valueEnd = withoutTrailingSpaces(line, 2, length);
            int s1 = indexIn(line, ' ', 2, valueEnd);
            int s2 = s1 < 0 ? -1 : indexIn(line, ' ', s1 + 1, valueEnd);
            int s3 = s2 < 0 ? -1 : indexIn(line, ' ', s2 + 1, valueEnd);
            int s4 = s3 < 0 ? -1 : indexIn(line, ' ', s3 + 1, valueEnd);
            int s5 = s4 < 0 ? -1 : indexIn(line, ' ', s4 + 1, valueEnd);
            // Exactly six tokens: five separating spaces and no sixth one.
            if (s5 < 0 || indexIn(line, ' ', s5 + 1, valueEnd) >= 0 || isPlaceholder(line, s5 + 1, valueEnd)) {
                return false;
            }
            out.append(text, copyFrom, start + s4 + 1);
            out.append(family);
            out.append(" ");
            out.append(address);
            return true;
        }
        if (kind == CONNECTION) {
            // c=<nettype> <addrtype> <connection-address>[/ttl][/n]
            int valueEnd = withoutTrailingSpaces(line, 2, length);
            int s1 = indexIn(line, ' ', 2, valueEnd);
            int s2 = s1 < 0 ? -1 : indexIn(line, ' ', s1 + 1, valueEnd);
            if (s2 < 0) {
                return false;
            }
            int s3 = indexIn(line, ' ', s2 + 1, valueEnd);
            int addressEnd = s3 < 0 ? valueEnd : s3;
            int slash = indexIn(line, '/', s2 + 1, addressEnd);
            if (isPlaceholder(line, s2 + 1, slash < 0 ? addressEnd : slash)) {
                return false;
            }
            out.append(text, copyFrom, start + s1 + 1);
            out.append(family);
            out.append(" ");
            out.append(address);
            return true;
        }
        if (kind == MEDIA) {
            // m=<media> <port>[/<number of ports>] <proto> <fmt> ...
            int a = indexIn(line, ' ', 2, length);
            int b = a < 0 ? -1 : indexIn(line, ' ', a + 1, length);
            if (b < 0) {
                return false;
            }
            int slash = indexIn(line, '/', a + 1, b);
            int portEnd = slash < 0 ? b : slash;
            if (isToken(line, a + 1, portEnd, "0") || isToken(line, a + 1, portEnd, "9")) {
                return false;
            }
            out.append(text, copyFrom, start + a + 1);
            out.append(port);
            out.append(text, start + b, start + length);
            return true;
        }
        // a=rtcp:<port> [<nettype> <addrtype> <address>]
        int valueStart = "a=rtcp:".length();
        int space = indexIn(line, ' ', valueStart, length);
        if (isToken(line, valueStart, space < 0 ? length : space, "9")) {
            return false;
        }
        out.append(text, copyFrom, start + valueStart);
        out.append(port);
        if (space >= 0) {
            out.append(" IN ");
            out.append(family);
            out.append(" ");
            out.append(address);
        }
        return true;
    }

    /** Index of the first {@code c} in {@code chars[from, to)}, or -1. */
    private static int indexIn(char[] chars, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (chars[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** {@code to} moved back over trailing spaces, but not before {@code from}. */
    private static int withoutTrailingSpaces(char[] chars, int from, int to) {
        while (to > from && chars[to - 1] == ' ') {
            to--;
        }
        return to;
    }

    /** Whether {@code chars[from, to)} is exactly {@code token}. */
    private static boolean isToken(char[] chars, int from, int to, String token) {
        if (to - from != token.length()) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            if (chars[from + i] != token.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Addresses that name no host: nothing to hide. */
    private static boolean isPlaceholder(char[] chars, int from, int to) {
        return isToken(chars, from, to, "0.0.0.0") || isToken(chars, from, to, "::")
                || isToken(chars, from, to, "127.0.0.1") || isToken(chars, from, to, "::1");
    }

    /**
     * The output, presized for the largest possible result so that it never grows. A
     * {@link StringBuilder} rather than a {@code char[]}: on Java 17 (checked on 17.0.15) its
     * {@code append(String, int, int)} copies a Latin-1 range with one arraycopy and stays one
     * byte per char, so {@code toString} is a single byte copy, where a {@code char[]} costs a
     * widening copy in, twice the memory, and a narrowing copy out.
     */
    private static final class Output {
        private final StringBuilder chars;

        Output(int capacity) {
            chars = new StringBuilder(capacity);
        }

        void append(String text, int from, int to) {
            chars.append(text, from, to);
        }

        void append(String text) {
            chars.append(text);
        }

        @Override
        public String toString() {
            return chars.toString();
        }
    }
}
