package dev.originproxy.sdp.internal;

import static dev.originproxy.sdp.internal.SdpLineIndex.CANDIDATE;
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
        Output out = new Output(text.length()
                + sections * (2 + Math.max(crlfBlock.length(), lfBlock.length()) + END_OF_CANDIDATES_LINE.length() + 2));
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
            } else if (section >= 0 && line == anchors[section]) {
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
