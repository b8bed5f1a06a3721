package dev.originproxy.srt;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Loads the captured libsrt handshakes under {@code src/test/resources/vectors/srt}. */
final class SrtVectors {
    private SrtVectors() {
    }

    /** The bytes of one capture, for example {@code bytes("a_streamid_access", "1-induction-request")}. */
    static byte[] bytes(String scenario, String file) {
        return HexFormat.of().parseHex(text(scenario + "/" + file + ".hex").trim());
    }

    /** A heap buffer holding one capture at index 0. */
    static ByteBuffer buffer(String scenario, String file) {
        return ByteBuffer.wrap(bytes(scenario, file));
    }

    /** A text fixture under {@code vectors/srt/}. */
    static String text(String relativePath) {
        String name = "/vectors/srt/" + relativePath;
        try (InputStream in = SrtVectors.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A handshake flyweight over one capture, asserting that it wraps. */
    static SrtHandshake handshake(String scenario, String file) {
        SrtHandshake hs = new SrtHandshake();
        ByteBuffer buf = buffer(scenario, file);
        if (!hs.wrap(buf, 0, buf.limit())) {
            throw new AssertionError("capture does not wrap: " + scenario + "/" + file);
        }
        return hs;
    }
}
