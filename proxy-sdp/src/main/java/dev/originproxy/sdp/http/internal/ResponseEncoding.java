package dev.originproxy.sdp.http.internal;

import dev.originproxy.core.api.ApiResponse;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * An {@link ApiResponse} written as an HTTP/1.1 response (RFC 9112 §4, §6): status line, headers
 * with CR/LF removed from values, {@code Content-Length}, {@code Connection: close}.
 *
 * <p>Stateless and thread-safe.
 */
public final class ResponseEncoding {
    private ResponseEncoding() {
    }

    /** The response as bytes on the wire, with {@code Content-Length} and {@code Connection: close}; no body for HEAD. */
    public static byte[] encode(ApiResponse r, boolean head) {
        StringBuilder b = new StringBuilder(256);
        b.append("HTTP/1.1 ").append(r.status()).append(' ').append(reasonPhrase(r.status())).append("\r\n");
        for (Map.Entry<String, List<String>> h : r.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase("Content-Length") || h.getKey().equalsIgnoreCase("Connection")) {
                continue;
            }
            for (String v : h.getValue()) {
                b.append(h.getKey()).append(": ").append(v.replace('\r', ' ').replace('\n', ' ')).append("\r\n");
            }
        }
        byte[] body = r.body();
        boolean noBody = r.status() == 204 || r.status() == 304 || r.status() < 200;
        if (!noBody) {
            b.append("Content-Length: ").append(body.length).append("\r\n");
        }
        b.append("Connection: close\r\n\r\n");
        byte[] headBytes = b.toString().getBytes(StandardCharsets.UTF_8);
        if (head || noBody || body.length == 0) {
            return headBytes;
        }
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    private static String reasonPhrase(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }

}
