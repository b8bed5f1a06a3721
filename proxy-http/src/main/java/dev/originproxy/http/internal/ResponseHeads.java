package dev.originproxy.http.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes response heads (RFC 9112 §4): the status line, the given fields, then the front's own
 * ({@code Content-Length} when known, the SRS CORS field {@code Access-Control-Allow-Origin: *}
 * unless already present, {@code Server}, {@code Connection}). A writer separate from the
 * parsers; allocates one buffer per head (heads are per response, not per byte). Stateless and
 * thread-safe.
 */
public final class ResponseHeads {
    /** The {@code Server} field value. */
    public static final String SERVER = "originproxy";

    private ResponseHeads() {
    }

    /**
     * The head bytes, ready to write.
     *
     * @param http11 whether the client spoke HTTP/1.1 (else the status line says HTTP/1.0 semantics
     *     through {@code Connection: keep-alive})
     * @param contentLength the body length to announce, or -1 to announce none
     * @param keepAlive whether the connection stays open after this response
     */
    public static ByteBuffer write(int status, String reason, List<HttpHeader> fields, long contentLength,
                                   boolean http11, boolean keepAlive) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(oneLine(reason)).append("\r\n");
        boolean cors = false;
        for (HttpHeader h : fields) {
            sb.append(h.name()).append(": ").append(h.value()).append("\r\n");
            cors |= h.is("Access-Control-Allow-Origin");
        }
        if (contentLength >= 0) {
            sb.append("Content-Length: ").append(contentLength).append("\r\n");
        }
        if (!cors) {
            sb.append("Access-Control-Allow-Origin: *\r\n");
        }
        sb.append("Server: ").append(SERVER).append("\r\n");
        if (!keepAlive) {
            sb.append("Connection: close\r\n");
        } else if (!http11) {
            sb.append("Connection: keep-alive\r\n");
        }
        sb.append("\r\n");
        return ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A reason phrase that cannot break the status line: CR, LF and other controls become spaces. */
    static String oneLine(String reason) {
        StringBuilder sb = null;
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (c < 0x20 || c == 0x7f || c > 0xff) {
                if (sb == null) {
                    sb = new StringBuilder(reason);
                }
                sb.setCharAt(i, ' ');
            }
        }
        return sb == null ? reason : sb.toString();
    }
}
