package dev.originproxy.http.internal.hls;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of what an origin's playlist can make the rewriter do, and of what a
 * client's query can make the session-parameter helper do. The rewriter never throws; it either
 * refuses with a reason and no output, or adds the session id exactly as often as it says it
 * rewrote a URI. The helper never throws and never leaves a session parameter in the origin's
 * target. Seeds (the table test's fixtures and an unterminated quote) under
 * {@code PlaylistRewriterFuzzTestInputs/}; see {@code FUZZING.md}.
 */
class PlaylistRewriterFuzzTest {
    private static final String ID = "q3VhbJ7cX0m2LwPZ9eRkTg";
    private static final byte[] PARAM = ("spbhid=" + ID).getBytes(StandardCharsets.US_ASCII);
    private final PlaylistRewriter rewriter = new PlaylistRewriter();
    private final byte[][] hosts = {"10.1.2.3".getBytes(StandardCharsets.US_ASCII),
        "::1".getBytes(StandardCharsets.US_ASCII)};

    @FuzzTest
    void rewriterNeverThrowsAndCountsWhatItRewrote(byte[] input) {
        byte[] padded = new byte[input.length + 6];
        System.arraycopy(input, 0, padded, 3, input.length);
        if (!rewriter.rewrite(padded, 3, input.length, ID, hosts)) {
            check(rewriter.failure() != null && rewriter.outputLength() == 0, "refused without a reason");
        } else {
            check(occurrences(rewriter.output(), rewriter.outputLength()) - occurrences(input, input.length)
                    == rewriter.urisRewritten(), "session ids added differ from URIs rewritten");
        }
        PlaylistRewriter.isMasterPlaylist(padded, 3, input.length);

        String query = new String(input, StandardCharsets.ISO_8859_1);
        SessionQuery.sessionId(query);
        String target = SessionQuery.originTarget("/live/s.m3u8", query);
        check(SessionQuery.sessionId(target.indexOf('?') < 0 ? null : target.substring(target.indexOf('?') + 1)) == null,
                "a session parameter reached the origin's target");
    }

    private static int occurrences(byte[] b, int length) {
        int n = 0;
        outer:
        for (int i = 0; i + PARAM.length <= length; i++) {
            for (int j = 0; j < PARAM.length; j++) {
                if (b[i + j] != PARAM[j]) {
                    continue outer;
                }
            }
            n++;
        }
        return n;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
