package dev.originproxy.http.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Builds the request head the proxy sends an origin for a client's request (RFC 9110 §7.6):
 * method, path and query exactly as the client sent them (tokens kept, nothing re-encoded), the
 * client's {@code Host} (SRS derives the vhost from it), every end-to-end field, and
 * {@code X-Forwarded-For} / {@code X-Real-IP} naming the client. Hop-by-hop fields
 * ({@code Connection} and the fields it lists, {@code Keep-Alive}, {@code TE},
 * {@code Transfer-Encoding}, {@code Upgrade}, {@code Proxy-*}) are dropped; a client's own
 * {@code X-Real-IP} is dropped (spoofable), its {@code X-Forwarded-For} chain is extended.
 * Each relay uses its own origin connection ({@code Connection: close}), so the end of a
 * streamed body is the origin's close and no origin connection is shared between viewers.
 *
 * <p>Stateless and thread-safe.
 */
public final class OriginRequests {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
            "x-real-ip", "x-forwarded-for");

    private OriginRequests() {
    }

    /** The head to send the origin for {@code request}, ready to write (position 0). */
    public static ByteBuffer forward(HttpRequest request) {
        return forward(request, request.target());
    }

    /**
     * The head to send the origin for {@code request}, with another target (a rewritten path, a
     * query without the proxy's own parameters).
     *
     * @param target path and query to send, as raw as the client's
     */
    public static ByteBuffer forward(HttpRequest request, String target) {
        Set<String> listedInConnection = new HashSet<>();
        String forwardedFor = null;
        for (HttpHeader h : request.headers()) {
            if (h.is("Connection")) {
                for (String token : h.value().split(",")) {
                    listedInConnection.add(token.trim().toLowerCase(Locale.ROOT));
                }
            } else if (h.is("X-Forwarded-For")) {
                forwardedFor = forwardedFor == null ? h.value() : forwardedFor + ", " + h.value();
            }
        }
        StringBuilder head = new StringBuilder(256);
        head.append(request.methodText()).append(' ').append(target).append(" HTTP/1.1\r\n");
        for (HttpHeader h : request.headers()) {
            String lower = h.name().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower) || listedInConnection.contains(lower)) {
                continue;
            }
            head.append(h.name()).append(": ").append(h.value()).append("\r\n");
        }
        InetSocketAddress client = request.client();
        if (client != null) {
            String ip = client.getAddress() == null ? client.getHostString() : client.getAddress().getHostAddress();
            head.append("X-Forwarded-For: ").append(forwardedFor == null ? ip : forwardedFor + ", " + ip).append("\r\n");
            head.append("X-Real-IP: ").append(ip).append("\r\n");
        } else if (forwardedFor != null) {
            head.append("X-Forwarded-For: ").append(forwardedFor).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        return ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }
}
