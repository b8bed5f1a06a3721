package dev.originproxy.sdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SdpRewriterTest {
    private static final ProxyCandidates ONE_IPV4 = ProxyCandidates.builder()
            .address("203.0.113.5").udpPort(8000).build();
    private static final ProxyCandidates DUAL_STACK = ProxyCandidates.builder()
            .address("203.0.113.5").address("2001:db8::5").udpPort(8000).build();
    private static final ProxyCandidates DUAL_STACK_WITH_TCP = ProxyCandidates.builder()
            .address("203.0.113.5").address("2001:db8::5").udpPort(8000).tcpPort(8443).build();

    private final SdpRewriter rewriter = new SdpRewriter();

    static Stream<Arguments> answersAndProxies() {
        List<Arguments> cases = new ArrayList<>();
        for (String fixture : Fixtures.COMPLETE_SDPS) {
            for (ProxyCandidates proxy : List.of(ONE_IPV4, DUAL_STACK, DUAL_STACK_WITH_TCP)) {
                cases.add(Arguments.of(fixture, proxy));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("answersAndProxies")
    void keepsEverythingOutsideCandidateAndDefaultCandidateLinesByteIdentical(String fixture, ProxyCandidates proxy) {
        String original = Fixtures.text(fixture);

        String rewritten = rewriter.rewriteAnswer(original, proxy);

        assertThat(withoutAddressLines(rewritten)).isEqualTo(withoutAddressLines(original));
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("answersAndProxies")
    void leavesNoOriginAddressInTheAnswer(String fixture, ProxyCandidates proxy) {
        String original = Fixtures.text(fixture);
        SessionDescription before = SessionDescription.parse(original);

        String rewritten = rewriter.rewriteAnswer(original, proxy);

        for (IceCandidate c : before.candidates()) {
            if (!proxy.addresses().contains(c.address())) {
                assertThat(rewritten).doesNotContain(" " + c.address() + " ").doesNotContain(" " + c.address() + "\r")
                        .doesNotContain(" " + c.address() + "\n");
            }
        }
        for (String line : Fixtures.lines(rewritten)) {
            if (line.startsWith("c=") && !line.endsWith(" 0.0.0.0") && !line.endsWith(" ::")) {
                assertThat(line).endsWith(" " + proxy.addresses().get(0));
            }
            if (line.startsWith("m=")) {
                String port = line.split(" ")[1];
                assertThat(port).isIn("0", "9", Integer.toString(proxy.udpPort()));
            }
        }
    }

    /** The text without candidate, connection, media and rtcp lines: what must not change at all. */
    private static String withoutAddressLines(String text) {
        StringBuilder out = new StringBuilder();
        for (String line : Fixtures.linesWithEndings(Fixtures.withoutCandidateLines(text))) {
            if (!line.startsWith("c=") && !line.startsWith("m=") && !line.startsWith("a=rtcp:")
                    && !line.startsWith("o=")) {
                out.append(line);
            }
        }
        return out.toString();
    }

    @Test
    void movesTheDefaultCandidateToTheProxyButKeepsRejectedAndPlaceholderPorts() {
        String answer = "v=0\r\nc=IN IP4 10.1.2.3\r\nm=audio 51234 UDP/TLS/RTP/SAVPF 111\r\n"
                + "c=IN IP4 10.1.2.3\r\na=rtcp:51234 IN IP4 10.1.2.3\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
                + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
                + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=rtcp:9 IN IP4 0.0.0.0\r\n";
        assertThat(rewriter.rewriteAnswer(answer, ONE_IPV4)).isEqualTo(
                "v=0\r\nc=IN IP4 203.0.113.5\r\nm=audio 8000 UDP/TLS/RTP/SAVPF 111\r\n"
                + "c=IN IP4 203.0.113.5\r\na=rtcp:8000 IN IP4 203.0.113.5\r\na=ice-ufrag:abcd\r\n"
                + "a=candidate:1 1 udp 2130706431 203.0.113.5 8000 typ host\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
                + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=candidate:1 1 udp 2130706431 203.0.113.5 8000 typ host\r\n"
                + "c=IN IP4 0.0.0.0\r\n"
                + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                + "a=candidate:1 1 udp 2130706431 203.0.113.5 8000 typ host\r\na=rtcp:9 IN IP4 0.0.0.0\r\n");
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("answersAndProxies")
    void writesInsertedLinesWithTheDocumentsLineEnding(String fixture, ProxyCandidates proxy) {
        String original = Fixtures.text(fixture);
        boolean crlf = original.contains("\r\n");

        String rewritten = rewriter.rewriteAnswer(original, proxy);

        for (String line : Fixtures.linesWithEndings(rewritten)) {
            assertThat(line).endsWith(crlf ? "\r\n" : "\n");
            assertThat(line.substring(0, line.length() - (crlf ? 2 : 1))).doesNotContain("\r", "\n");
        }
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("answersAndProxies")
    void putsExactlyTheProxyCandidatesInEverySectionRightAfterItsUfrag(String fixture, ProxyCandidates proxy) {
        String original = Fixtures.text(fixture);
        SessionDescription before = SessionDescription.parse(original);
        List<String> proxyLines = proxy.candidates().stream().map(c -> "a=candidate:" + c.toSdpValue()).toList();

        String rewritten = rewriter.rewriteAnswer(original, proxy);

        SessionDescription after = SessionDescription.parse(rewritten);
        assertThat(after.mediaSections()).hasSameSizeAs(before.mediaSections()).allSatisfy(
                section -> assertThat(section.candidates()).isEqualTo(proxy.candidates()));
        assertThat(after.iceCredentials()).isEqualTo(before.iceCredentials());
        assertThat(after.iceLite()).isEqualTo(before.iceLite());
        List<String> lines = Fixtures.lines(rewritten);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("m=")) {
                int anchor = firstUfragInSection(lines, i);
                assertThat(lines.subList(anchor + 1, anchor + 1 + proxyLines.size())).isEqualTo(proxyLines);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answersAndProxies")
    void keepsEndOfCandidatesAfterTheInsertedCandidates(String fixture, ProxyCandidates proxy) {
        String original = Fixtures.text(fixture);
        List<MediaSection> before = SessionDescription.parse(original).mediaSections();

        String rewritten = rewriter.rewriteAnswer(original, proxy);

        List<MediaSection> after = SessionDescription.parse(rewritten).mediaSections();
        for (int s = 0; s < before.size(); s++) {
            assertThat(after.get(s).endOfCandidates()).isEqualTo(before.get(s).endOfCandidates());
        }
        List<String> lines = Fixtures.lines(rewritten);
        int lastCandidate = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("m=")) {
                lastCandidate = -1;
            } else if (lines.get(i).startsWith("a=candidate:")) {
                lastCandidate = i;
            } else if (lines.get(i).equals("a=end-of-candidates")) {
                assertThat(lastCandidate).as("candidates before end-of-candidates at line %d", i).isPositive();
            }
        }
    }

    static Stream<Arguments> tcpConfigurations() {
        return Stream.of(
                Arguments.of(ONE_IPV4, List.of("1 1 udp 2130706431 203.0.113.5 8000 typ host")),
                Arguments.of(DUAL_STACK, List.of(
                        "1 1 udp 2130706431 203.0.113.5 8000 typ host",
                        "2 1 udp 2130706175 2001:db8::5 8000 typ host")),
                Arguments.of(DUAL_STACK_WITH_TCP, List.of(
                        "1 1 udp 2130706431 203.0.113.5 8000 typ host",
                        "2 1 udp 2130706175 2001:db8::5 8000 typ host",
                        "3 1 tcp 1526726655 203.0.113.5 8443 typ host tcptype passive",
                        "4 1 tcp 1526726399 2001:db8::5 8443 typ host tcptype passive")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tcpConfigurations")
    void advertisesHostCandidatesPreferringTheFirstAddressAndTcpOnlyWithATcpPort(ProxyCandidates proxy,
                                                                                 List<String> expected) {
        assertThat(proxy.candidates()).extracting(IceCandidate::toSdpValue).isEqualTo(expected);
        assertThat(proxy.candidates()).extracting(IceCandidate::priority).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    }

    @Test
    void rewritesAnSrsAnswerExactly() {
        String answer = "v=0\r\na=ice-lite\r\na=group:BUNDLE 0 1\r\n"
                + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:3r9k1m7x\r\na=ice-pwd:0h9s3q3e8n1m0t5d2v7x9c1b4a6z8w2e\r\n"
                + "a=mid:0\r\na=candidate:0 1 udp 2130706431 192.168.1.10 8000 typ host generation 0\r\n"
                + "m=video 9 UDP/TLS/RTP/SAVPF 106\r\na=mid:1\r\n"
                + "a=candidate:0 1 udp 2130706431 192.168.1.10 8000 typ host generation 0\r\na=end-of-candidates\r\n";

        assertThat(rewriter.rewriteAnswer(answer, DUAL_STACK)).isEqualTo("v=0\r\na=ice-lite\r\na=group:BUNDLE 0 1\r\n"
                + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:3r9k1m7x\r\n"
                + "a=candidate:1 1 udp 2130706431 203.0.113.5 8000 typ host\r\n"
                + "a=candidate:2 1 udp 2130706175 2001:db8::5 8000 typ host\r\n"
                + "a=ice-pwd:0h9s3q3e8n1m0t5d2v7x9c1b4a6z8w2e\r\na=mid:0\r\n"
                + "m=video 9 UDP/TLS/RTP/SAVPF 106\r\n"
                + "a=candidate:1 1 udp 2130706431 203.0.113.5 8000 typ host\r\n"
                + "a=candidate:2 1 udp 2130706175 2001:db8::5 8000 typ host\r\n"
                + "a=mid:1\r\na=end-of-candidates\r\n");
    }

    @Test
    void movesAnEndOfCandidatesThatPrecedesTheUfragBehindTheInsertedCandidates() {
        String answer = "v=0\nm=audio 9 RTP/AVP 0\na=end-of-candidates\na=ice-ufrag:abcd\na=ice-pwd:abcdefghijklmnopqrstuv\n";

        assertThat(rewriter.rewriteAnswer(answer, ONE_IPV4)).isEqualTo("v=0\nm=audio 9 RTP/AVP 0\na=ice-ufrag:abcd\n"
                + "a=candidate:1 1 udp 2130706431 203.0.113.5 8000 typ host\na=end-of-candidates\n"
                + "a=ice-pwd:abcdefghijklmnopqrstuv\n");
    }

    @Test
    void followsTheLineEndingOfTheLineItInsertsAfterInAMixedDocument() {
        String answer = "v=0\r\nm=audio 9 RTP/AVP 0\na=ice-ufrag:abcd\r\nm=video 9 RTP/AVP 96\na=ice-ufrag:abcd\n";

        assertThat(rewriter.rewriteAnswer(answer, ONE_IPV4)).isEqualTo("v=0\r\nm=audio 9 RTP/AVP 0\na=ice-ufrag:abcd\r\n"
                + "a=candidate:1 1 udp 2130706431 203.0.113.5 8000 typ host\r\n"
                + "m=video 9 RTP/AVP 96\na=ice-ufrag:abcd\n"
                + "a=candidate:1 1 udp 2130706431 203.0.113.5 8000 typ host\n");
    }

    @Test
    void terminatesALastAnchorLineThatHasNoLineEnding() {
        assertThat(rewriter.rewriteAnswer("v=0\r\nm=audio 9 RTP/AVP 0", ONE_IPV4)).isEqualTo(
                "v=0\r\nm=audio 9 RTP/AVP 0\r\na=candidate:1 1 udp 2130706431 203.0.113.5 8000 typ host\r\n");
    }

    @Test
    void rewritesAnAnswerAlreadyReadWithoutReadingItAgain() {
        String original = Fixtures.text(Fixtures.WERIFT_ANSWER);
        SessionDescription answer = SessionDescription.parse(original);

        assertThat(rewriter.rewriteAnswer(answer, DUAL_STACK)).isEqualTo(rewriter.rewriteAnswer(original, DUAL_STACK));
        assertThat(rewriter.stripOfferCandidates(answer)).isEqualTo(rewriter.stripOfferCandidates(original));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.originproxy.sdp.SdpRewriterTest#completeSdps")
    void stripsOnlyCandidatesAndEndOfCandidatesFromAnOffer(String fixture) {
        String original = Fixtures.text(fixture);

        String stripped = rewriter.stripOfferCandidates(original);

        StringBuilder expected = new StringBuilder();
        for (String line : Fixtures.linesWithEndings(original)) {
            if (!line.startsWith("a=candidate:") && !line.startsWith("a=end-of-candidates")) {
                expected.append(line);
            }
        }
        assertThat(stripped).isEqualTo(expected.toString());
        SessionDescription after = SessionDescription.parse(stripped);
        assertThat(after.candidates()).isEmpty();
        assertThat(after.mediaSections()).noneMatch(MediaSection::endOfCandidates);
        assertThat(after.iceCredentials()).isEqualTo(SessionDescription.parse(original).iceCredentials());
    }

    static Stream<String> completeSdps() {
        return Fixtures.COMPLETE_SDPS.stream();
    }

    @Test
    void returnsAnOfferWithoutCandidatesUnchanged() {
        String offer = "v=0\r\nm=audio 9 RTP/AVP 0\r\na=ice-ufrag:abcd\r\n";

        assertThat(rewriter.stripOfferCandidates(offer)).isSameAs(offer);
    }

    private static int firstUfragInSection(List<String> lines, int mediaLine) {
        for (int i = mediaLine + 1; i < lines.size() && !lines.get(i).startsWith("m="); i++) {
            if (lines.get(i).startsWith("a=ice-ufrag:")) {
                return i;
            }
        }
        return mediaLine;
    }
}
