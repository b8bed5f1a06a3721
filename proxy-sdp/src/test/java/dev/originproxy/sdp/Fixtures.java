package dev.originproxy.sdp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Loads the hand-written SDP and envelope fixtures under {@code src/test/resources/sdp/}, byte-exact. */
final class Fixtures {
    static final String SRS_ANSWER = "srs-answer.sdp";
    static final String SRS_ANSWER_LF = "srs-answer-lf.sdp";
    static final String CHROME_OFFER = "chrome-offer.sdp";
    static final String WERIFT_ANSWER = "werift-answer.sdp";
    static final String NON_BUNDLE = "nonbundle-session-credentials.sdp";
    static final String WHIP_TRICKLE = "whip-trickle.sdpfrag";
    static final String WHIP_RESTART = "whip-restart.sdpfrag";

    static final List<String> COMPLETE_SDPS = List.of(SRS_ANSWER, SRS_ANSWER_LF, CHROME_OFFER, WERIFT_ANSWER, NON_BUNDLE);

    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/sdp/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** Splits into lines, each keeping its own line ending, independently of the code under test. */
    static List<String> linesWithEndings(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            lines.add(text.substring(start));
        }
        return lines;
    }

    /** The text without its {@code a=candidate} lines (and their line endings). */
    static String withoutCandidateLines(String text) {
        StringBuilder out = new StringBuilder();
        for (String line : linesWithEndings(text)) {
            if (!line.startsWith("a=candidate:")) {
                out.append(line);
            }
        }
        return out.toString();
    }

    /** The lines' contents without line endings. */
    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : linesWithEndings(text)) {
            int end = line.length();
            if (end > 0 && line.charAt(end - 1) == '\n') {
                end--;
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    end--;
                }
            }
            lines.add(line.substring(0, end));
        }
        return lines;
    }
}
