package dev.originproxy.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProxyCandidatesTest {

    @ParameterizedTest
    @ValueSource(strings = {"203.0.113.5", "0.0.0.0", "255.255.255.255", "2001:db8::5", "::1", "::ffff:192.0.2.1"})
    void acceptsIpLiterals(String address) {
        ProxyCandidates proxy = ProxyCandidates.builder().address(address).udpPort(8000).build();

        assertThat(proxy.candidates()).singleElement().satisfies(c -> {
            assertThat(c.address()).isEqualTo(address);
            assertThat(c.type()).isEqualTo("host");
            assertThat(c.component()).isEqualTo(1);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "proxy.example.com", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.", "1..2.3",
            "1234.1.1.1", "fe80::1%eth0", "2001:db8::5 ", "a=candidate", "::g"})
    void refusesAnythingButUnscopedIpLiterals(String address) {
        assertThatThrownBy(() -> ProxyCandidates.builder().address(address))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void takesInetAddresses() throws Exception {
        ProxyCandidates proxy = ProxyCandidates.builder()
                .address(InetAddress.getByName("192.0.2.7")).udpPort(9000).build();

        assertThat(proxy.addresses()).containsExactly("192.0.2.7");
        assertThat(proxy.udpPort()).isEqualTo(9000);
        assertThat(proxy.tcpPort()).isEmpty();
    }

    @Test
    void requiresAnAddressAndAUdpPort() {
        assertThatThrownBy(() -> ProxyCandidates.builder().udpPort(8000).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProxyCandidates.builder().address("192.0.2.7").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProxyCandidates.builder().udpPort(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProxyCandidates.builder().tcpPort(65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProxyCandidates.builder().address("192.0.2.7").address("192.0.2.7"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void givesEveryCandidateItsOwnFoundation() {
        ProxyCandidates proxy = ProxyCandidates.builder().address("192.0.2.7").address("2001:db8::7")
                .udpPort(8000).tcpPort(8000).build();

        assertThat(proxy.candidates()).extracting(IceCandidate::foundation).containsExactly("1", "2", "3", "4");
        assertThat(proxy.tcpPort()).hasValue(8000);
    }
}
