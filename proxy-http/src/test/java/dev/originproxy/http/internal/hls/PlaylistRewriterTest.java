package dev.originproxy.http.internal.hls;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Table-driven: each {@code src/test/resources/hls/NAME.m3u8} rewritten with session id
 * {@code AAAAAAAAAAAAAAAAAAAAAA} and origin host {@code 10.1.2.3} must equal
 * {@code NAME.expected.m3u8} byte for byte. The fixtures: a playlist captured from nginx-rtmp
 * (10 segments, 1 s fragments), SRS 7's master playlist and its {@code hls_ctx} media playlist,
 * an LL-HLS fMP4 playlist with CRLF line ends, parts, preload hint, rendition reports, map and
 * keys, a six-segment LL-HLS playlist with parts on the last segments, and a master playlist with absolute origin URIs, alternate audio, I-frame streams and
 * foreign hosts.
 */
class PlaylistRewriterTest {
    private static final String ID = "AAAAAAAAAAAAAAAAAAAAAA";
    private static final byte[][] ORIGIN = {"10.1.2.3".getBytes(StandardCharsets.US_ASCII)};

    static byte[] fixture(String name) {
        try (InputStream in = PlaylistRewriterTest.class.getResourceAsStream("/hls/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String rewrite(PlaylistRewriter r, String playlist, String id) {
        byte[] in = playlist.getBytes(StandardCharsets.UTF_8);
        assertThat(r.rewrite(in, 0, in.length, id, ORIGIN)).as("rewritten (failure %s)", r.failure()).isTrue();
        return new String(r.output(), 0, r.outputLength(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nginx-rtmp-live", "srs7-master", "srs7-media", "llhls-fmp4-crlf", "llhls-live", "master-absolute"})
    void rewritesEveryUriOfTheFixtureAsExpected(String name) {
        byte[] in = fixture(name + ".m3u8");
        String expected = new String(fixture(name + ".expected.m3u8"), StandardCharsets.UTF_8);
        PlaylistRewriter r = new PlaylistRewriter();

        assertThat(r.rewrite(in, 0, in.length, ID, ORIGIN)).isTrue();
        String out = new String(r.output(), 0, r.outputLength(), StandardCharsets.UTF_8);

        assertThat(out).isEqualTo(expected);
        assertThat(out).doesNotContain("10.1.2.3");
    }

    @Test
    void countsRewrittenAndForeignUris() {
        byte[] in = fixture("llhls-fmp4-crlf.m3u8");
        PlaylistRewriter r = new PlaylistRewriter();
        r.rewrite(in, 0, in.length, ID, ORIGIN);

        // key, map, segment, 3 parts, preload hint, one rendition report; the CDN report is foreign
        assertThat(r.urisRewritten()).isEqualTo(8);
        assertThat(r.urisForeign()).isEqualTo(1);
    }

    @Test
    void reusedRewriterGivesTheSameResultForAShorterPlaylist() {
        PlaylistRewriter r = new PlaylistRewriter();
        byte[] big = fixture("master-absolute.m3u8");
        r.rewrite(big, 0, big.length, ID, ORIGIN);

        assertThat(rewrite(r, "#EXTM3U\n#EXTINF:1,\na.ts\n", ID)).isEqualTo("#EXTM3U\n#EXTINF:1,\na.ts?spbhid=" + ID + "\n");
    }

    @Test
    void rewritesAWindowOfALargerBuffer() {
        byte[] in = "xx#EXTM3U\nseg.ts\nyy".getBytes(StandardCharsets.US_ASCII);
        PlaylistRewriter r = new PlaylistRewriter();

        assertThat(r.rewrite(in, 2, in.length - 4, ID, ORIGIN)).isTrue();
        assertThat(new String(r.output(), 0, r.outputLength(), StandardCharsets.US_ASCII))
                .isEqualTo("#EXTM3U\nseg.ts?spbhid=" + ID + "\n");
    }

    @Test
    void keepsAByteOrderMarkAndALastLineWithoutNewline() {
        PlaylistRewriter r = new PlaylistRewriter();
        assertThat(rewrite(r, "\uFEFF#EXTM3U\r\nseg.ts?a=1", ID)).isEqualTo("\uFEFF#EXTM3U\r\nseg.ts?a=1&spbhid=" + ID);
    }

    @Test
    void matchesOriginHostsCaseInsensitivelyAndInBrackets() {
        PlaylistRewriter r = new PlaylistRewriter();
        byte[] in = "#EXTM3U\nhttp://Origin-1.Internal:8080/live/a.ts\nhttp://[::1]:8080/live/b.ts\n"
                .getBytes(StandardCharsets.US_ASCII);

        assertThat(r.rewrite(in, 0, in.length, ID, new byte[][] {"origin-1.internal".getBytes(StandardCharsets.US_ASCII),
                "::1".getBytes(StandardCharsets.US_ASCII)})).isTrue();
        assertThat(new String(r.output(), 0, r.outputLength(), StandardCharsets.US_ASCII))
                .isEqualTo("#EXTM3U\n/live/a.ts?spbhid=" + ID + "\n/live/b.ts?spbhid=" + ID + "\n");
    }

    @Test
    void refusesABodyThatIsNotAPlaylist() {
        PlaylistRewriter r = new PlaylistRewriter();
        byte[] in = "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.US_ASCII);

        assertThat(r.rewrite(in, 0, in.length, ID, ORIGIN)).isFalse();
        assertThat(r.failure()).isEqualTo(PlaylistRewriter.Failure.NOT_A_PLAYLIST);
        assertThat(r.failures(PlaylistRewriter.Failure.NOT_A_PLAYLIST)).isEqualTo(1);
        assertThat(r.outputLength()).isZero();
    }

    @Test
    void refusesAnUnterminatedQuotedUri() {
        PlaylistRewriter r = new PlaylistRewriter();
        byte[] in = "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(r.rewrite(in, 0, in.length, ID, ORIGIN)).isFalse();
        assertThat(r.failure()).isEqualTo(PlaylistRewriter.Failure.UNTERMINATED_QUOTE);
    }

    @Test
    void refusesASessionIdThatWouldBreakTheQuery() {
        PlaylistRewriter r = new PlaylistRewriter();
        byte[] in = "#EXTM3U\nseg.ts\n".getBytes(StandardCharsets.US_ASCII);

        for (String bad : new String[] {"", "a&b", "a#b", "a b", "x".repeat(65), "a\"b"}) {
            assertThat(r.rewrite(in, 0, in.length, bad, ORIGIN)).as(bad).isFalse();
            assertThat(r.failure()).isEqualTo(PlaylistRewriter.Failure.BAD_SESSION_ID);
        }
    }

    @Test
    void leavesTagsWithoutUrisAndOtherAttributesNamedLikeUriAlone() {
        PlaylistRewriter r = new PlaylistRewriter();
        String in = "#EXTM3U\n#EXT-X-DATERANGE:ID=\"a\",X-URI=\"http://10.1.2.3/x\"\n"
                + "#EXT-X-MEDIA:TYPE=AUDIO,X-URI=\"y\",URI=\"a.m3u8\"\n";

        assertThat(rewrite(r, in, ID)).isEqualTo("#EXTM3U\n#EXT-X-DATERANGE:ID=\"a\",X-URI=\"http://10.1.2.3/x\"\n"
                + "#EXT-X-MEDIA:TYPE=AUDIO,X-URI=\"y\",URI=\"a.m3u8?spbhid=" + ID + "\"\n");
    }
}
