package dev.originproxy.sdp.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Mounts a framework-neutral handler (the WHIP/WHEP forwarder, the origin registration handler,
 * a host's own API) on the JDK's built-in {@code com.sun.net.httpserver.HttpServer}: reads the
 * request (body capped at a limit, then 413 without reading further), calls the handler, writes
 * status, headers and body. Headers are written before the status line is committed, so
 * {@code Location}, {@code Content-Type} and {@code ETag} always reach the client.
 *
 * <p>Thread-safe as long as the wrapped handler is.
 */
public final class JdkHttpAdapter implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(JdkHttpAdapter.class);

    private final Function<ApiRequest, ApiResponse> handler;
    private final int maxBodyBytes;

    /**
     * @param handler the handler, which must not throw
     * @param maxBodyBytes the largest body read; a larger one is answered 413
     */
    public JdkHttpAdapter(Function<ApiRequest, ApiResponse> handler, int maxBodyBytes) {
        this.handler = Objects.requireNonNull(handler, "handler");
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive");
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            ApiResponse response;
            byte[] body = readBody(exchange.getRequestBody());
            if (body == null) {
                response = ApiResponse.error(413, "body larger than " + maxBodyBytes + " bytes");
            } else {
                ApiRequest request = new ApiRequest(exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery(),
                        exchange.getRequestHeaders(), body, exchange.getRemoteAddress());
                try {
                    response = handler.apply(request);
                } catch (RuntimeException e) {
                    LOG.warn("handler failed for {}", request, e);
                    response = ApiResponse.error(500, "internal error");
                }
            }
            write(exchange, response);
        }
    }

    private byte[] readBody(InputStream in) throws IOException {
        byte[] data = in.readNBytes(maxBodyBytes + 1);
        return data.length > maxBodyBytes ? null : data;
    }

    private static void write(HttpExchange exchange, ApiResponse response) throws IOException {
        for (Map.Entry<String, List<String>> h : response.headers().entrySet()) {
            for (String v : h.getValue()) {
                exchange.getResponseHeaders().add(h.getKey(), v);
            }
        }
        byte[] body = response.body();
        boolean noBody = body.length == 0 || exchange.getRequestMethod().equalsIgnoreCase("HEAD")
                || response.status() == 204 || response.status() == 304;
        exchange.sendResponseHeaders(response.status(), noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
