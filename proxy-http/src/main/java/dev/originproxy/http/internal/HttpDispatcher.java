package dev.originproxy.http.internal;

import java.util.List;

/**
 * Chooses the {@link HttpHandler} of a request: the first registered handler that
 * {@linkplain HttpHandler#handles handles} it, in registration order (HLS before HTTP-FLV/TS,
 * so a {@code .ts} segment carrying an HLS session id goes to HLS; static files last). Immutable
 * and thread-safe.
 */
public final class HttpDispatcher {
    private final List<HttpHandler> handlers;

    /** @param handlers asked in this order */
    public HttpDispatcher(List<HttpHandler> handlers) {
        this.handlers = List.copyOf(handlers);
    }

    /** The handler of {@code request}, or null when none handles it (404). */
    public HttpHandler route(HttpRequest request) {
        for (HttpHandler h : handlers) {
            if (h.handles(request)) {
                return h;
            }
        }
        return null;
    }
}
