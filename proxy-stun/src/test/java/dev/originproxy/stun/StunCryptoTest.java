package dev.originproxy.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The hand-made HMAC and CRC-32 agree with the JDK's, for short, block-sized and long keys. */
class StunCryptoTest {

    private final StunCrypto crypto = new StunCrypto();

    @ParameterizedTest(name = "{0}, key {1} bytes, message {2} bytes")
    @CsvSource({
        "HmacSHA1, 0, 20",
        "HmacSHA1, 22, 108",
        "HmacSHA1, 64, 1500",
        "HmacSHA1, 65, 2500",
        "HmacSHA256, 1, 20",
        "HmacSHA256, 64, 333",
        "HmacSHA256, 200, 4100",
    })
    void hmacMatchesJdkMacWithPatchedLength(String algorithm, int keyLength, int messageLength)
            throws Exception {
        Random random = new Random(keyLength * 31L + messageLength);
        byte[] key = new byte[keyLength];
        byte[] bytes = new byte[messageLength];
        random.nextBytes(key);
        random.nextBytes(bytes);
        boolean sha256 = algorithm.equals("HmacSHA256");
        int patched = 0xBEEF;

        byte[] expectedInput = bytes.clone();
        expectedInput[2] = (byte) 0xBE;
        expectedInput[3] = (byte) 0xEF;
        Mac mac = Mac.getInstance(algorithm);
        // SecretKeySpec refuses an empty key; HMAC pads {} and {0} to the same zero block.
        mac.init(new SecretKeySpec(keyLength == 0 ? new byte[] {0} : key, algorithm));
        byte[] expected = mac.doFinal(expectedInput);
        byte[] original = bytes.clone();

        StunIntegrityKey stunKey = StunIntegrityKey.ofBytes(key, 0, keyLength);
        ByteBuffer direct = ByteBuffer.allocateDirect(messageLength).put(0, bytes);
        for (ByteBuffer buf : new ByteBuffer[] {ByteBuffer.wrap(bytes), direct}) {
            assertThat(crypto.hmac(sha256, stunKey, buf, 0, messageLength, patched)).isTrue();
            assertThat(Arrays.copyOf(crypto.mac, expected.length)).isEqualTo(expected);
        }
        assertThat(bytes).as("the message itself is not patched").isEqualTo(original);

        CRC32 crc = new CRC32();
        crc.update(bytes, 5, messageLength - 5);
        assertThat(crypto.crc32(direct, 5, messageLength)).isEqualTo((int) crc.getValue());
        assertThat(crypto.crc32(ByteBuffer.wrap(bytes), 5, messageLength))
                .isEqualTo((int) crc.getValue());
    }
}
