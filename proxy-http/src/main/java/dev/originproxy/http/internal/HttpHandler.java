package dev.originproxy.http.internal;

/**
 * The dispatch seam of the HTTP front: one implementation per kind of request (HTTP-FLV/TS
 * streams, HLS playlists and segments, static files). The front asks each registered handler in
 * order whether it {@link #handles} a request (by path extension, usually) and gives the request
 * to the first that does; requests nobody handles get 404.
 *
 * <p>Threading: both methods are called on the connection's event-loop thread and must not
 * block. Blocking work (balancer lookups, host callbacks, origin fetches) goes through
 * {@link HttpExchange#offLoop}, which resumes on the loop.
 */
public interface HttpHandler {
    /** Whether this handler serves {@code request}; quick and side-effect free. */
    boolean handles(HttpRequest request);

    /**
     * Serves one request: eventually calls exactly one of {@link HttpExchange#respond},
     * {@link HttpExchange#fail} or {@link HttpExchange#relay} (directly, or from an
     * {@link HttpExchange#offLoop} continuation). A handler that throws gets a 500 for the client
     * and a log line; the connection is closed, the loop goes on.
     */
    void handle(HttpExchange exchange);
}
