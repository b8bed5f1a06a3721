package dev.originproxy.http.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Decodes a request path and refuses the ones that could escape a directory or smuggle a
 * different name past a check: {@code .}/{@code ..} segments (raw or percent-encoded, e.g.
 * {@code %2e%2e}), encoded slashes and backslashes ({@code %2f}, {@code %5c}), a raw backslash,
 * NUL or other control bytes once decoded, malformed percent escapes, and bytes that are not
 * UTF-8. Every refusal throws {@link BadPathException} with a one-line reason (answered 400).
 *
 * <p>Stateless and thread-safe.
 */
public final class RequestPaths {
    private RequestPaths() {
    }

    /** Thrown for a path that is refused; the message is the one-line reason. */
    public static final class BadPathException extends Exception {
        private static final long serialVersionUID = 1L;

        BadPathException(String reason) {
            super(reason);
        }
    }

    /**
     * The decoded path of a raw (percent-encoded) origin-form path.
     *
     * @throws BadPathException when it is refused
     */
    public static String decode(String rawPath) throws BadPathException {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            throw new BadPathException("path must start with /");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(rawPath.length());
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c == '%') {
                if (i + 2 >= rawPath.length()) {
                    throw new BadPathException("malformed percent escape in path");
                }
                int hi = Character.digit(rawPath.charAt(i + 1), 16);
                int lo = Character.digit(rawPath.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new BadPathException("malformed percent escape in path");
                }
                int b = hi << 4 | lo;
                if (b == '/' || b == '\\') {
                    throw new BadPathException("encoded slash in path");
                }
                out.write(b);
                i += 2;
            } else if (c == '\\') {
                throw new BadPathException("backslash in path");
            } else {
                out.write(c);
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new BadPathException("path is not UTF-8");
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new BadPathException("control character in path");
            }
        }
        int start = 1;
        while (start <= decoded.length()) {
            int slash = decoded.indexOf('/', start);
            int end = slash < 0 ? decoded.length() : slash;
            String segment = decoded.substring(start, end);
            if (segment.equals("..") || segment.equals(".")) {
                throw new BadPathException("path traversal");
            }
            start = end + 1;
        }
        return decoded;
    }
}
