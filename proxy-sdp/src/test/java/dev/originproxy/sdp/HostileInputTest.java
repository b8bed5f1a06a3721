package dev.originproxy.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.originproxy.sdp.SdpException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HostileInputTest {
    private static final String HEAD = "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";

    static Stream<Arguments> hostileSdps() {
        return Stream.of(
                Arguments.of("over 64 KiB", HEAD + "a=x:" + "y".repeat(70_000) + "\r\n", Reason.TOO_LARGE),
                Arguments.of("too many lines", HEAD + "a=x\r\n".repeat(2_000), Reason.TOO_MANY_LINES),
                Arguments.of("over-long line", HEAD + "a=x:" + "y".repeat(5_000) + "\r\n", Reason.LINE_TOO_LONG),
                Arguments.of("empty", "", Reason.NOT_SDP),
                Arguments.of("no v= line", "o=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n", Reason.NOT_SDP),
                Arguments.of("leading empty line", "\r\nv=0\r\n", Reason.NOT_SDP),
                Arguments.of("byte order mark", "\uFEFFv=0\r\n", Reason.MALFORMED_LINE),
                Arguments.of("not type=value", HEAD + "hello world\r\n", Reason.MALFORMED_LINE),
                Arguments.of("upper-case type", HEAD + "A=ice-lite\r\n", Reason.MALFORMED_LINE),
                Arguments.of("lone CR line ending", "v=0\ro=- 1 2 IN IP4 0.0.0.0\r", Reason.MALFORMED_LINE),
                Arguments.of("CR inside a line", HEAD + "a=ice-ufrag:ab\rcd\r\n", Reason.MALFORMED_LINE),
                Arguments.of("m= line without proto", HEAD + "m=audio 9\r\n", Reason.MALFORMED_LINE),
                Arguments.of("m= port not a number", HEAD + "m=audio x RTP/AVP 0\r\n", Reason.MALFORMED_LINE),
                Arguments.of("m= port too large", HEAD + "m=audio 70000 RTP/AVP 0\r\n", Reason.MALFORMED_LINE),
                Arguments.of("bad candidate", HEAD + "m=audio 9 RTP/AVP 0\r\na=candidate:0 1 udp\r\n",
                        Reason.MALFORMED_CANDIDATE),
                Arguments.of("ufrag with colon", HEAD + "a=ice-ufrag:ab:cd\r\n", Reason.INVALID_ICE_CREDENTIALS),
                Arguments.of("empty pwd", HEAD + "a=ice-pwd:\r\n", Reason.INVALID_ICE_CREDENTIALS),
                Arguments.of("ufrag over 256 chars", HEAD + "a=ice-ufrag:" + "u".repeat(257) + "\r\n",
                        Reason.INVALID_ICE_CREDENTIALS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileSdps")
    void refusesHostileSdpWithItsDocumentedReason(String description, String sdp, Reason reason) {
        assertThatThrownBy(() -> SessionDescription.parse(sdp)).isInstanceOfSatisfying(SdpException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n", "\r");
        });
    }

    /** The cases the rewriters check too: they read the line structure, not the values of m= or a= lines. */
    static Stream<Arguments> hostileStructure() {
        return hostileSdps().filter(a -> !((String) a.get()[0]).startsWith("m=") && switch ((Reason) a.get()[2]) {
            case MALFORMED_CANDIDATE, INVALID_ICE_CREDENTIALS -> false;
            default -> true;
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileStructure")
    void rewritersRefuseHostileStructureWithTheSameReason(String description, String sdp, Reason reason) {
        SdpRewriter rewriter = new SdpRewriter();
        ProxyCandidates proxy = ProxyCandidates.builder().address("192.0.2.1").udpPort(8000).build();

        assertThatThrownBy(() -> rewriter.rewriteAnswer(sdp, proxy)).isInstanceOfSatisfying(SdpException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
        assertThatThrownBy(() -> rewriter.stripOfferCandidates(sdp)).isInstanceOfSatisfying(SdpException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    static Stream<Arguments> nonUtf8() {
        return Stream.of(
                Arguments.of("invalid continuation", new byte[] {'v', '=', '0', (byte) 0xC3, 0x28}),
                Arguments.of("overlong encoding of /", new byte[] {'v', '=', (byte) 0xC0, (byte) 0xAF}),
                Arguments.of("UTF-16 surrogate", new byte[] {'v', '=', (byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                Arguments.of("truncated sequence", new byte[] {'v', '=', '0', (byte) 0xE2, (byte) 0x82}),
                Arguments.of("Latin-1 byte", new byte[] {'s', '=', (byte) 0xE9}),
                Arguments.of("beyond U+10FFFF", new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonUtf8")
    void refusesBytesThatAreNotUtf8(String description, byte[] body) {
        assertThatThrownBy(() -> SessionDescription.fromUtf8(body)).isInstanceOfSatisfying(SdpException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_UTF8));
    }

    @Test
    void refusesOversizeBytesBeforeDecodingThem() {
        byte[] body = new byte[64 * 1024 + 1];

        assertThatThrownBy(() -> SessionDescription.fromUtf8(body)).isInstanceOfSatisfying(SdpException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
        assertThat(SessionDescription.fromUtf8(new byte[64 * 1024], SdpLimits.DEFAULT)).hasSize(64 * 1024);
    }

    @Test
    void honoursConfiguredLimits() {
        SdpLimits tight = SdpLimits.DEFAULT.withMaxLength(100).withMaxLines(5).withMaxLineLength(20);
        String sdp = Fixtures.text(Fixtures.SRS_ANSWER);

        assertThatThrownBy(() -> SessionDescription.parse(sdp, tight)).isInstanceOfSatisfying(SdpException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
        assertThatThrownBy(() -> SessionDescription.parse("v=0\na=1\na=2\na=3\na=4\na=5\n", tight))
                .isInstanceOfSatisfying(SdpException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_LINES));
        assertThatThrownBy(() -> SessionDescription.parse("v=0\na=" + "x".repeat(19) + "\n", tight))
                .isInstanceOfSatisfying(SdpException.class, e -> assertThat(e.reason()).isEqualTo(Reason.LINE_TOO_LONG));
        assertThat(SessionDescription.parse("v=0\na=1\na=2\na=3\na=4\n", tight).mediaSections()).isEmpty();
        assertThatThrownBy(() -> new SdpLimits(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsAndRewritesHugeDocumentsInLinearTime() {
        // 100,000 m-sections and 200,000 candidates: quadratic work here would take minutes.
        StringBuilder sdp = new StringBuilder(HEAD);
        for (int i = 0; i < 100_000; i++) {
            sdp.append("m=audio 9 RTP/AVP 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n")
                    .append("a=candidate:1 1 udp 2130706431 10.0.0.1 9 typ host\r\n".repeat(2));
        }
        String text = sdp.toString();
        SdpLimits roomy = new SdpLimits(32 * 1024 * 1024, 1_000_000, 4_096);
        ProxyCandidates proxy = ProxyCandidates.builder().address("192.0.2.1").udpPort(8000).build();

        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            SessionDescription parsed = SessionDescription.parse(text, roomy);
            String rewritten = new SdpRewriter(roomy).rewriteAnswer(parsed, proxy);
            String stripped = new SdpRewriter(roomy).stripOfferCandidates(text);
            assertThat(parsed.mediaSections()).hasSize(100_000);
            assertThat(rewritten.length()).isLessThan(text.length());
            assertThat(stripped).doesNotContain("a=candidate");
        });
    }

    @Test
    void randomInputEitherReadsOrFailsWithTheDocumentedException() {
        Random random = new Random(0x5D9_2024L);
        List<String> pool = new ArrayList<>();
        for (String fixture : List.of(Fixtures.SRS_ANSWER, Fixtures.CHROME_OFFER, Fixtures.WERIFT_ANSWER,
                Fixtures.NON_BUNDLE, Fixtures.WHIP_TRICKLE, Fixtures.WHIP_RESTART)) {
            pool.addAll(Fixtures.linesWithEndings(Fixtures.text(fixture)));
        }
        ProxyCandidates proxy = ProxyCandidates.builder().address("192.0.2.1").address("2001:db8::1")
                .udpPort(8000).tcpPort(8000).build();
        SdpRewriter rewriter = new SdpRewriter();
        int[] outcomes = new int[2];
        for (int i = 0; i < 1_000; i++) {
            String input = randomInput(random, pool);
            Consumer<Runnable> check = action -> {
                try {
                    action.run();
                    outcomes[0]++;
                } catch (SdpException e) {
                    assertThat(e.getMessage()).doesNotContain("\n");
                    outcomes[1]++;
                } catch (RuntimeException | Error e) {
                    fail("undocumented " + e + " for input " + escape(input), e);
                }
            };
            check.accept(() -> SessionDescription.parse(input).findIceCredentials());
            check.accept(() -> SessionDescription.parseTrickleFragment(input).udpCandidates());
            check.accept(() -> rewriter.rewriteAnswer(input, proxy));
            check.accept(() -> rewriter.stripOfferCandidates(input));
            check.accept(() -> SrsEnvelope.parse(input).withSdp(input));
            check.accept(() -> SessionDescription.parse(SessionDescription.fromUtf8(randomBytes(random, input))));
        }
        // Both outcomes must occur, or the generator is not exploring anything.
        assertThat(outcomes[0]).isGreaterThan(500);
        assertThat(outcomes[1]).isGreaterThan(500);
    }

    private static String randomInput(Random random, List<String> pool) {
        List<String> lines = new ArrayList<>();
        int count = random.nextInt(40);
        for (int i = 0; i < count; i++) {
            lines.add(pool.get(random.nextInt(pool.size())));
        }
        if (random.nextBoolean()) {
            Collections.shuffle(lines, random);
            lines.add(0, random.nextBoolean() ? "v=0\r\n" : "v=0\n");
        }
        StringBuilder text = new StringBuilder(String.join("", lines));
        int mutations = random.nextInt(4);
        for (int m = 0; m < mutations && text.length() > 0; m++) {
            int at = random.nextInt(text.length());
            switch (random.nextInt(4)) {
                case 0 -> text.setCharAt(at, (char) random.nextInt(128));
                case 1 -> text.insert(at, (char) random.nextInt(0x3000));
                case 2 -> text.setLength(at);
                default -> text.insert(at, "\r");
            }
        }
        return text.toString();
    }

    private static byte[] randomBytes(Random random, String input) {
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(3) == 0) {
            bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
        } else if (bytes.length > 0 && random.nextBoolean()) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private static String escape(String input) {
        return input.replace("\r", "\\r").replace("\n", "\\n");
    }
}
