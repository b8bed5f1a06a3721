package dev.originproxy.core.crypto;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class HmacTest {
    private static final byte[] JEFE = "Jefe".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);

    private static String mac(Hmac.Algorithm a, byte[] key, ByteBuffer data) {
        byte[] out = new byte[a.length()];
        new Hmac(a).start(HmacKey.of(a, key, 0, key.length)).update(data, 0, data.limit()).finish(out, 0);
        return HexFormat.of().formatHex(out);
    }

    @Test
    void matchesRfc2202AndRfc4231TestCaseTwo() {
        assertThat(mac(Hmac.Algorithm.SHA1, JEFE, ByteBuffer.wrap(DATA)))
                .isEqualTo("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
        assertThat(mac(Hmac.Algorithm.SHA256, JEFE, ByteBuffer.wrap(DATA)))
                .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    @Test
    void aKeyLongerThanTheBlockIsHashedFirstAsRfc4231TestCaseSixSays() {
        byte[] key = new byte[131];
        Arrays.fill(key, (byte) 0xaa);
        byte[] data = "Test Using Larger Than Block-Size Key - Hash Key First".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
        assertThat(mac(Hmac.Algorithm.SHA256, key, direct))
                .isEqualTo("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }
}
