package dev.originproxy.http.internal;

import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * One request being served, as a {@link HttpHandler} sees it: the request, and the three ways to
 * answer it. Exactly one answer per exchange; a second one is ignored (and logged), so a late
 * continuation cannot corrupt the next response on a kept-alive connection.
 *
 * <p>Threading: call the answering methods on the event loop (from {@link HttpHandler#handle}
 * or an {@link #offLoop} continuation).
 */
public interface HttpExchange {
    /** The request. */
    HttpRequest request();

    /**
     * Answers with a complete response. The connection stays open for the next request when the
     * client asked for keep-alive.
     */
    void respond(HttpResponse response);

    /** Answers {@code status} with a one-line reason as the body ({@link HttpResponse#error}). */
    void fail(int status, String reason);

    /**
     * Streams the origin's answer to this request to the client: connects (non-blocking, bounded
     * by the connect timeout: 502 on failure), writes {@link OriginRelay#requestHead()}, waits for
     * the response head (bounded: 504), passes status and end-to-end fields (hop-by-hop dropped,
     * origin addresses scrubbed) and splices the body with backpressure: the origin is read only
     * as fast as the client drains, up to a bounded buffer; a client that stops reading for
     * longer than the write timeout is closed. {@link OriginRelay#listener()} hears the outcome.
     */
    void relay(OriginRelay relay);

    /**
     * Runs {@code work} off the event loop (bounded pool, cancelled when the client goes away)
     * and then {@code resume} on the loop with its result or its failure (exactly one non-null).
     */
    <T> void offLoop(Callable<T> work, BiConsumer<T, Throwable> resume);

    /** Whether the client connection is still open. */
    boolean isOpen();
}
