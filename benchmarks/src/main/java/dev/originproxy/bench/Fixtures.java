package dev.originproxy.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The test vectors and fixtures of the other modules, bundled under {@code fixtures/} in the jar. */
final class Fixtures {
    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException("fixture missing from the jar: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** A .hex vector: hex digits, whitespace and {@code #} comment lines ignored. */
    static byte[] hex(String name) {
        StringBuilder digits = new StringBuilder();
        for (String line : text(name).split("\n")) {
            String l = line.strip();
            if (l.startsWith("#")) {
                continue;
            }
            for (int i = 0; i < l.length(); i++) {
                char c = l.charAt(i);
                if (Character.digit(c, 16) >= 0) {
                    digits.append(c);
                }
            }
        }
        if (digits.length() % 2 != 0) {
            throw new IllegalStateException("odd number of hex digits in " + name);
        }
        byte[] out = new byte[digits.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    /** A direct buffer holding {@code b} at index 0, like a relay worker's receive buffer. */
    static ByteBuffer direct(byte[] b) {
        ByteBuffer buf = ByteBuffer.allocateDirect(b.length);
        buf.put(b).flip();
        return buf;
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark precondition failed: " + what);
        }
    }
}
