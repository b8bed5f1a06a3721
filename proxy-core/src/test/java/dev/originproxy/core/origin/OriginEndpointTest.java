package dev.originproxy.core.origin;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OriginEndpointTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "1985                 | ANY | NULL     | 1985 | 10.1.1.1",
        "udp://0.0.0.0:8000   | UDP | NULL     | 8000 | 10.1.1.1",
        "tcp://0.0.0.0:8000   | TCP | NULL     | 8000 | 10.1.1.1",
        "udp://8000           | UDP | NULL     | 8000 | 10.1.1.1",
        "udp:1.2.3.4:8000     | UDP | 1.2.3.4  | 8000 | 1.2.3.4",
        "udp://[::]:8000      | UDP | NULL     | 8000 | 10.1.1.1",
        "udp://[::1]:8000     | UDP | ::1      | 8000 | ::1",
        "127.0.0.1:10080      | ANY | 127.0.0.1| 10080| 127.0.0.1",
    })
    void parsesEverySrsForm(String text, OriginEndpoint.Transport transport, String host, int port, String resolved) {
        OriginEndpoint e = OriginEndpoint.parse(text);
        assertThat(e.transport()).isEqualTo(transport);
        assertThat(e.host()).isEqualTo(host);
        assertThat(e.port()).isEqualTo(port);
        assertThat(e.hostOr("10.1.1.1")).isEqualTo(resolved);
        assertThat(OriginEndpoint.parse(e.toString())).isEqualTo(e);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "udp://", "udp://0.0.0.0:", "abc", "udp://1.2.3.4:70000", "0", "tcp://[::1", "1:2:3"})
    void rejectsMalformedEndpoints(String text) {
        assertThatThrownBy(() -> OriginEndpoint.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
