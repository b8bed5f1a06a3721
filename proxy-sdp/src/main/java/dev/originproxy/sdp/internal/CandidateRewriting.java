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
 * original text into one presized {@code char[]}: linear time, no per-line strings. (Bulk
 * {@link String#getChars} is used rather than {@link StringBuilder#append(CharSequence, int, int)},
 * which copies char by char on Java 17.)
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
        for (int line = 0; line < lines; line++) {
            if (index.kind(line) == MEDIA) {
                sections++;
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
        // Upper bound: each section may add a line ending, the block and a moved end-of-candidates.
        // Upper bound also covers every rewritten default-candidate line growing to its longest form.
        Output out = new Output(text.length()
                + sections * (2 + Math.max(crlfBlock.length(), lfBlock.length()) + END_OF_CANDIDATES_LINE.length() + 2)
                + (proxyAddress == null ? 0 : lines * (proxyAddress.length() + 24)));
        int copyFrom = 0;
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
                int contentEnd = index.end(line) - index.lineEnding(line).length();
                String replacement = defaultCandidate(kind, text, index.start(line), contentEnd, proxyAddress, proxyPort);
                if (replacement != null) {
                    out.append(text, copyFrom, index.start(line));
                    out.append(replacement);
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

    /** The rewritten line (without its ending), or null when it is to stay as it is. */
    private static String defaultCandidate(byte kind, String text, int start, int end, String address, int port) {
        String line = text.substring(start, end);
        String family = address.indexOf(':') >= 0 ? "IP6" : "IP4";
        if (kind == ORIGIN) {
            // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
            String[] parts = line.substring(2).split(" ");
            if (parts.length != 6 || isPlaceholder(parts[5])) {
                return null;
            }
            return "o=" + parts[0] + " " + parts[1] + " " + parts[2] + " " + parts[3] + " " + family + " " + address;
        }
        if (kind == CONNECTION) {
            String[] parts = line.substring(2).split(" ");
            if (parts.length < 3) {
                return null;
            }
            String addr = parts[2];
            int slash = addr.indexOf('/');
            String bare = slash < 0 ? addr : addr.substring(0, slash);
            if (isPlaceholder(bare)) {
                return null;
            }
            return "c=" + parts[0] + " " + family + " " + address;
        }
        if (kind == MEDIA) {
            int a = line.indexOf(' ');
            int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
            if (b < 0) {
                return null;
            }
            String portField = line.substring(a + 1, b);
            int slash = portField.indexOf('/');
            String bare = slash < 0 ? portField : portField.substring(0, slash);
            if (bare.equals("0") || bare.equals("9")) {
                return null;
            }
            return line.substring(0, a + 1) + port + line.substring(b);
        }
        // a=rtcp:<port> [<nettype> <addrtype> <address>]
        String value = line.substring("a=rtcp:".length());
        int space = value.indexOf(' ');
        String rtcpPort = space < 0 ? value : value.substring(0, space);
        if (rtcpPort.equals("9")) {
            return null;
        }
        return "a=rtcp:" + port + (space < 0 ? "" : " IN " + family + " " + address);
    }

    /** Addresses that name no host: nothing to hide. */
    private static boolean isPlaceholder(String address) {
        return address.equals("0.0.0.0") || address.equals("::") || address.equals("127.0.0.1")
                || address.equals("::1");
    }

    /** A fixed-size char buffer; callers size it for the largest possible output. */
    private static final class Output {
        private final char[] chars;
        private int length;

        Output(int capacity) {
            chars = new char[capacity];
        }

        void append(String text, int from, int to) {
            text.getChars(from, to, chars, length);
            length += to - from;
        }

        void append(String text) {
            append(text, 0, text.length());
        }

        @Override
        public String toString() {
            return new String(chars, 0, length);
        }
    }
}
