package dev.originproxy.lb.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP client over {@link HttpURLConnection} (java.base): the tests run inside the
 * module {@code dev.originproxy.lb.redis}, which does not read {@code java.net.http}.
 */
final class LoopbackHttp {
    private LoopbackHttp() {
    }

    /** A response: status, the {@code X-Error-Reason} header and the body. */
    record Response(int status, String errorReason, String body) {
    }

    static Response send(String method, String url, String contentType, String body) throws IOException {
        URI uri = URI.create(url);
        if (!"127.0.0.1".equals(uri.getHost())) {
            throw new IllegalArgumentException("loopback only: " + url);
        }
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        try {
            c.setRequestMethod(method);
            c.setConnectTimeout(2000);
            c.setReadTimeout(10_000);
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", contentType);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Response(status, c.getHeaderField("X-Error-Reason"), text);
        } finally {
            c.disconnect();
        }
    }
}
