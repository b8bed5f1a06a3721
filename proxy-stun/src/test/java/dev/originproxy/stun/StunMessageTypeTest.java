package dev.originproxy.stun;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 8489 §5: the class bits C0/C1 interleaved with the method bits. */
class StunMessageTypeTest {

    @ParameterizedTest(name = "method {0} class {1} <-> type {2}")
    @CsvSource({
        "0x001, 0, 0x0001",
        "0x001, 1, 0x0011",
        "0x001, 2, 0x0101",
        "0x001, 3, 0x0111",
        "0x003, 0, 0x0003",
        "0x009, 3, 0x0119",
        "0xFFF, 0, 0x3EEF",
        "0xFFF, 3, 0x3FFF",
        "0x080, 2, 0x0300",
    })
    void encodesAndDecodesMethodAndClass(String method, int messageClass, String type) {
        int m = Integer.decode(method);
        int t = Integer.decode(type);

        assertThat(StunMessageType.of(m, messageClass)).isEqualTo(t);
        assertThat(StunMessageType.method(t)).isEqualTo(m);
        assertThat(StunMessageType.messageClass(t)).isEqualTo(messageClass);
    }
}
