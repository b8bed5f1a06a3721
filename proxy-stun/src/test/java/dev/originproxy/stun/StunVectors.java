package dev.originproxy.stun;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Loads the RFC 5769 test vectors copied under {@code src/test/resources/vectors/stun}. */
final class StunVectors {

    static final String PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt";
    static final String REQUEST = "rfc5769-2.1-request.hex";
    static final String RESPONSE_IPV4 = "rfc5769-2.2-response-ipv4.hex";
    static final String RESPONSE_IPV6 = "rfc5769-2.3-response-ipv6.hex";
    static final byte[] TRANSACTION_ID = HexFormat.of().parseHex("b7e7a701bc34d686fa87dfae");

    private StunVectors() {
    }

    static byte[] load(String name) {
        try (InputStream in = StunVectors.class.getResourceAsStream("/vectors/stun/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test vector " + name);
            }
            String hex = new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
            return HexFormat.of().parseHex(hex);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
