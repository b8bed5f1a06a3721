package dev.originproxy.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.originproxy.sdp.SdpException.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IceCandidateTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "0 1 udp 2130706431 192.168.1.10 8000 typ host generation 0",
            "842163049 1 udp 1686052607 203.0.113.45 56143 typ srflx raddr 192.168.1.23 rport 56143 generation 0",
            "435653019 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0 network-id 1",
            "2317620541 1 udp 2122197247 2001:db8:85a3::8a2e:370:7334 56144 typ host",
            "1 1 UDP 2122252543 3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8.local 54321 typ host",
            "a+/Z 256 udp 0 10.0.0.1 0 typ relay raddr 0.0.0.0 rport 0",
    })
    void writesBackWhatItReads(String value) {
        assertThat(IceCandidate.parse(value).toSdpValue()).isEqualTo(value);
    }

    @Test
    void acceptsTheAttributeAndBrowserPrefixes() {
        IceCandidate bare = IceCandidate.parse("0 1 udp 2130706431 192.168.1.10 8000 typ host");

        assertThat(IceCandidate.parse("a=candidate:0 1 udp 2130706431 192.168.1.10 8000 typ host")).isEqualTo(bare);
        assertThat(IceCandidate.parse("candidate:0 1 udp 2130706431 192.168.1.10 8000 typ host")).isEqualTo(bare);
    }

    @Test
    void readsEveryField() {
        IceCandidate candidate = IceCandidate.parse(
                "842163049 1 udp 1686052607 203.0.113.45 56143 typ srflx raddr 192.168.1.23 rport 56143 generation 0");

        assertThat(candidate).isEqualTo(new IceCandidate("842163049", 1, "udp", 1686052607L, "203.0.113.45", 56143,
                "srflx", "192.168.1.23", 56143, List.of(new IceCandidate.Extension("generation", "0"))));
        assertThat(candidate.isUdp()).isTrue();
        assertThat(candidate.extension("network-id")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "0 1 udp 2130706431 192.168.1.10 8000",
            "0 1 udp 2130706431 192.168.1.10 8000 type host",
            "0 x udp 2130706431 192.168.1.10 8000 typ host",
            "0 0 udp 2130706431 192.168.1.10 8000 typ host",
            "0 257 udp 2130706431 192.168.1.10 8000 typ host",
            "0 1 udp -5 192.168.1.10 8000 typ host",
            "0 1 udp 4294967296 192.168.1.10 8000 typ host",
            "0 1 udp 99999999999 192.168.1.10 8000 typ host",
            "0 1 udp 2130706431 192.168.1.10 65536 typ host",
            "0 1 udp 2130706431 192.168.1.10 +80 typ host",
            "0 1 udp 2130706431 192.168.1.10 8000 typ host generation",
            "0 1 udp 2130706431 192.168.1.10 8000 typ srflx raddr 10.0.0.1 rport x",
            "f:o 1 udp 2130706431 192.168.1.10 8000 typ host",
            "012345678901234567890123456789012 1 udp 2130706431 192.168.1.10 8000 typ host",
    })
    void refusesCandidatesOutsideTheGrammar(String value) {
        assertThatThrownBy(() -> IceCandidate.parse(value)).isInstanceOfSatisfying(SdpException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_CANDIDATE));
    }

    @Test
    void refusesWhitespaceInFieldsSoNoLineCanBeInjected() {
        assertThatThrownBy(() -> new IceCandidate("1", 1, "udp", 1, "10.0.0.1\r\na=x", 9, "host", null, -1, List.of()))
                .isInstanceOfSatisfying(SdpException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_CANDIDATE));
    }
}
