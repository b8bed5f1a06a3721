package dev.originproxy.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.originproxy.sdp.SdpException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SessionDescriptionTest {

    static Stream<Arguments> fixtures() {
        return Stream.of(
                // fixture, ice-lite, media types, mids, bundle groups, ufrag, pwd, candidate count
                Arguments.of(Fixtures.SRS_ANSWER, true, List.of("audio", "video"), List.of("0", "1"),
                        List.of(List.of("0", "1")), "3r9k1m7x", "0h9s3q3e8n1m0t5d2v7x9c1b4a6z8w2e", 2),
                Arguments.of(Fixtures.SRS_ANSWER_LF, true, List.of("audio", "video"), List.of("0", "1"),
                        List.of(List.of("0", "1")), "3r9k1m7x", "0h9s3q3e8n1m0t5d2v7x9c1b4a6z8w2e", 2),
                Arguments.of(Fixtures.CHROME_OFFER, false, List.of("audio", "video", "application"),
                        List.of("0", "1", "2"), List.of(List.of("0", "1", "2")), "Dz5m", "mXF4Xy9yLzh+Wc8/B0pJ3pGq", 4),
                Arguments.of(Fixtures.WERIFT_ANSWER, false, List.of("audio", "video"), List.of("0", "1"),
                        List.of(List.of("0", "1")), "cd5a", "9f0a2f8c7a7d4e26a1b93f5e0c1d2e3f", 4),
                Arguments.of(Fixtures.NON_BUNDLE, false, List.of("audio", "video"), List.of("audio", "video"),
                        List.of(), "SeSs", "sessionlevelpassword0123456", 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void readsTheIceAttributesAndMediaLinesOfRealPeers(String fixture, boolean iceLite, List<String> media,
                                                      List<String> mids, List<List<String>> bundleGroups,
                                                      String ufrag, String pwd, int candidateCount) {
        String text = Fixtures.text(fixture);
        SessionDescription sdp = SessionDescription.parse(text);

        assertThat(sdp.text()).isSameAs(text);
        assertThat(sdp.isTrickleFragment()).isFalse();
        assertThat(sdp.iceLite()).isEqualTo(iceLite);
        assertThat(sdp.mediaSections()).extracting(MediaSection::media).isEqualTo(media);
        assertThat(sdp.mediaSections()).extracting(s -> s.mid().orElseThrow()).isEqualTo(mids);
        assertThat(sdp.bundleGroups()).isEqualTo(bundleGroups);
        assertThat(sdp.iceCredentials()).isEqualTo(new IceCredentials(ufrag, pwd));
        assertThat(sdp.candidates()).hasSize(candidateCount);
    }

    @Test
    void readsMediaLinePortProtoAndFormats() {
        SessionDescription offer = SessionDescription.parse(Fixtures.text(Fixtures.CHROME_OFFER));

        MediaSection audio = offer.mediaSections().get(0);
        assertThat(audio.port()).isEqualTo(56143);
        assertThat(audio.proto()).isEqualTo("UDP/TLS/RTP/SAVPF");
        assertThat(audio.formats()).isEqualTo("111 63 9 0 8 13 110 126");
        MediaSection data = offer.mediaSections().get(2);
        assertThat(data.port()).isEqualTo(9);
        assertThat(data.proto()).isEqualTo("UDP/DTLS/SCTP");
        assertThat(data.formats()).isEqualTo("webrtc-datachannel");
        assertThat(offer.mediaSections()).allSatisfy(s -> assertThat(s.endOfCandidates()).isTrue());
    }

    @Test
    void readsChromeCandidatesWithIpv6TcpAndRelatedAddress() {
        List<IceCandidate> candidates = SessionDescription.parse(Fixtures.text(Fixtures.CHROME_OFFER))
                .mediaSections().get(0).candidates();

        assertThat(candidates).extracting(IceCandidate::address).containsExactly(
                "192.168.1.23", "2001:db8:85a3::8a2e:370:7334", "203.0.113.45", "192.168.1.23");
        IceCandidate srflx = candidates.get(2);
        assertThat(srflx.type()).isEqualTo("srflx");
        assertThat(srflx.relatedAddress()).isEqualTo("192.168.1.23");
        assertThat(srflx.relatedPort()).isEqualTo(56143);
        IceCandidate tcp = candidates.get(3);
        assertThat(tcp.isTcp()).isTrue();
        assertThat(tcp.port()).isEqualTo(9);
        assertThat(tcp.extension("tcptype")).contains("active");
        assertThat(tcp.extensions()).extracting(IceCandidate.Extension::name)
                .containsExactly("tcptype", "generation", "network-id", "network-cost");
    }

    @Test
    void udpCandidatesAreTheOriginsMediaAddressesWithoutBundleRepeats() {
        SessionDescription werift = SessionDescription.parse(Fixtures.text(Fixtures.WERIFT_ANSWER));
        SessionDescription srs = SessionDescription.parse(Fixtures.text(Fixtures.SRS_ANSWER));
        SessionDescription chrome = SessionDescription.parse(Fixtures.text(Fixtures.CHROME_OFFER));

        assertThat(werift.udpCandidates()).extracting(c -> c.address() + ":" + c.port() + " " + c.type())
                .containsExactly("10.0.0.7:52813 host", "203.0.113.77:52813 srflx");
        assertThat(srs.udpCandidates()).extracting(c -> c.address() + ":" + c.port())
                .containsExactly("192.168.1.10:8000");
        assertThat(chrome.udpCandidates()).noneMatch(IceCandidate::isTcp).hasSize(3);
    }

    static Stream<Arguments> credentialLevels() {
        String head = "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
        return Stream.of(
                Arguments.of("session level only", head + "a=ice-ufrag:sess\r\na=ice-pwd:sessionpwd\r\n"
                        + "m=audio 9 RTP/AVP 0\r\n", "sess", "sessionpwd"),
                Arguments.of("media level wins over session level", head
                        + "a=ice-ufrag:sess\r\na=ice-pwd:sessionpwd\r\n"
                        + "m=audio 9 RTP/AVP 0\r\na=ice-ufrag:med1\r\na=ice-pwd:mediapwd1\r\n", "med1", "mediapwd1"),
                Arguments.of("first section wins when sections disagree", head
                        + "m=audio 9 RTP/AVP 0\r\na=ice-ufrag:med1\r\na=ice-pwd:mediapwd1\r\n"
                        + "m=video 9 RTP/AVP 96\r\na=ice-ufrag:med2\r\na=ice-pwd:mediapwd2\r\n", "med1", "mediapwd1"),
                Arguments.of("media ufrag with session pwd", head + "a=ice-pwd:sessionpwd\r\n"
                        + "m=audio 9 RTP/AVP 0\r\na=ice-ufrag:med1\r\n", "med1", "sessionpwd"),
                Arguments.of("first section without credentials is skipped", head
                        + "m=audio 0 RTP/AVP 0\r\n"
                        + "m=video 9 RTP/AVP 96\r\na=ice-ufrag:med2\r\na=ice-pwd:mediapwd2\r\n", "med2", "mediapwd2"),
                Arguments.of("no media sections", head + "a=ice-ufrag:sess\r\na=ice-pwd:sessionpwd\r\n",
                        "sess", "sessionpwd"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("credentialLevels")
    void resolvesIceCredentialsMediaLevelFirst(String description, String sdp, String ufrag, String pwd) {
        assertThat(SessionDescription.parse(sdp).iceCredentials()).isEqualTo(new IceCredentials(ufrag, pwd));
    }

    @Test
    void missingCredentialsAreAOneLineError() {
        SessionDescription sdp = SessionDescription.parse("v=0\r\nm=audio 9 RTP/AVP 0\r\na=ice-ufrag:only\r\n");

        assertThat(sdp.findIceCredentials()).isEmpty();
        assertThatThrownBy(sdp::iceCredentials).isInstanceOfSatisfying(SdpException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.MISSING_ICE_CREDENTIALS);
            assertThat(e.getMessage()).doesNotContain("\n").contains("ice-ufrag");
        });
    }

    @Test
    void sessionUsernameIsAnswerUfragColonOfferUfrag() {
        IceCredentials offer = SessionDescription.parse(Fixtures.text(Fixtures.CHROME_OFFER)).iceCredentials();
        IceCredentials answer = SessionDescription.parse(Fixtures.text(Fixtures.SRS_ANSWER)).iceCredentials();

        assertThat(answer.stunUsernameFrom(offer)).isEqualTo("3r9k1m7x:Dz5m");
    }

    @Test
    void credentialsKeepThePasswordOutOfToString() {
        assertThat(new IceCredentials("abcd", "secretpassword").toString()).doesNotContain("secretpassword");
    }

    @Test
    void readsATrickleFragmentWithoutVersionLine() {
        SessionDescription fragment = SessionDescription.parseTrickleFragment(Fixtures.text(Fixtures.WHIP_TRICKLE));

        assertThat(fragment.isTrickleFragment()).isTrue();
        assertThat(fragment.mediaSections()).singleElement().satisfies(section -> {
            assertThat(section.mid()).contains("0");
            assertThat(section.endOfCandidates()).isTrue();
            assertThat(section.candidates()).extracting(IceCandidate::address)
                    .containsExactly("192.0.2.1", "198.51.100.2", "192.0.2.1", "198.51.100.2");
        });
        assertThat(fragment.iceCredentials()).isEqualTo(new IceCredentials("EsAw", "P2uYro0UCOQ4zxjKXaWCBui1"));
    }

    @Test
    void detectsAnIceRestartFromNewCredentialsInAFragment() {
        IceCredentials current = new IceCredentials("EsAw", "P2uYro0UCOQ4zxjKXaWCBui1");

        assertThat(SessionDescription.parseTrickleFragment(Fixtures.text(Fixtures.WHIP_RESTART)).restartsIce(current))
                .isTrue();
        assertThat(SessionDescription.parseTrickleFragment(Fixtures.text(Fixtures.WHIP_TRICKLE)).restartsIce(current))
                .isFalse();
        assertThat(SessionDescription.parseTrickleFragment("a=mid:0\r\na=end-of-candidates\r\n").restartsIce(current))
                .isFalse();
    }

    @Test
    void readsSessionLevelCandidatesAndEndOfCandidatesOfAFragment() {
        SessionDescription fragment = SessionDescription.parseTrickleFragment(
                "a=ice-ufrag:EsAw\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\n"
                        + "a=candidate:1 1 udp 2122260223 192.0.2.1 61764 typ host\na=end-of-candidates\n");

        assertThat(fragment.mediaSections()).isEmpty();
        assertThat(fragment.sessionCandidates()).singleElement().extracting(IceCandidate::port).isEqualTo(61764);
        assertThat(fragment.sessionEndOfCandidates()).isTrue();
        assertThat(fragment.iceCredentials().ufrag()).isEqualTo("EsAw");
    }

    @Test
    void anEmptyFragmentIsValid() {
        assertThat(SessionDescription.parseTrickleFragment("").mediaSections()).isEmpty();
    }

    @Test
    void readsMixedLineEndings() {
        SessionDescription sdp = SessionDescription.parse(
                "v=0\r\ns=-\na=ice-ufrag:mixd\r\na=ice-pwd:mixedpassword\nm=audio 9 RTP/AVP 0\r\na=mid:a");

        assertThat(sdp.iceCredentials()).isEqualTo(new IceCredentials("mixd", "mixedpassword"));
        assertThat(sdp.mediaSections()).singleElement().satisfies(s -> assertThat(s.mid()).contains("a"));
    }

    @Test
    void decodesStrictUtf8Bodies() {
        byte[] body = "v=0\r\ns=Café ☕\r\n".getBytes(StandardCharsets.UTF_8);

        assertThat(SessionDescription.fromUtf8(body)).isEqualTo("v=0\r\ns=Café ☕\r\n");
    }
}
