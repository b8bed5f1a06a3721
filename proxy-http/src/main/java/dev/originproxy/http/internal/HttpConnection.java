package dev.originproxy.http.internal;

import dev.originproxy.core.loop.EventLoopGoneException;
import dev.originproxy.core.relay.api.TcpCloseReason;
import dev.originproxy.core.tcp.TcpConnection;
import dev.originproxy.core.tcp.TcpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * One client connection of the HTTP front, as a {@link TcpHandler} of the core TCP engine: reads
 * a request head with the worker's {@link HttpRequestHead}, answers what the front answers
 * itself (refusals, {@code OPTIONS}, 405, 404) and hands the rest to the
 * {@link HttpDispatcher}'s handler through an {@link HttpExchange}. One request at a time:
 * reading is suspended while a request is served, so pipelined requests wait in the engine's
 * input buffer and the kernel, never in a growing queue.
 *
 * <p>Time bounds (checked by {@link FrontContext#sweep}): a head must be complete within the head
 * timeout of its first byte (else 408 and close: slowloris), and a connection waiting for a
 * request is closed after the keep-alive timeout.
 *
 * <p>Threading: everything runs on the connection's worker thread.
 */
final class HttpConnection implements TcpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);
    private static final List<HttpHeader> CORS_PREFLIGHT = List.of(
            new HttpHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
            new HttpHeader("Access-Control-Allow-Headers", "*"),
            new HttpHeader("Access-Control-Expose-Headers", "*"),
            new HttpHeader("Access-Control-Max-Age", "86400"));

    private enum State { READING_HEAD, HANDLING, RELAYING, CLOSED }

    private final FrontContext ctx;
    private FrontContext.PerWorker pw;
    private TcpConnection conn;
    private State state = State.READING_HEAD;
    private long idleDeadline;
    private long headDeadline;
    private Exchange current;
    private OriginLeg leg;

    HttpConnection(FrontContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void onOpen(TcpConnection connection) {
        conn = connection;
        pw = ctx.of(connection.worker());
        pw.connections.add(this);
        idleDeadline = connection.worker().nanoTime() + ctx.settings.headTimeoutNanos();
    }

    @Override
    public void onData(TcpConnection connection, ByteBuffer data) {
        if (state == State.RELAYING && leg != null && leg.discardsClientInput()) {
            data.position(data.limit()); // a streamed answer never ends in a next request
            return;
        }
        if (state != State.READING_HEAD) {
            return; // kept for later: reading is suspended while a request is served
        }
        HttpRequestHead head = pw.requestHead;
        switch (head.wrap(data, data.position(), data.remaining())) {
            case INCOMPLETE:
                if (headDeadline == 0 && data.hasRemaining()) {
                    headDeadline = connection.worker().nanoTime() + ctx.settings.headTimeoutNanos();
                }
                return;
            case INVALID:
                HeadError error = head.error();
                ctx.stats.refused(error);
                data.position(data.limit());
                answerAndClose(error.status(), error.reason(), head.method() == HttpMethod.HEAD);
                return;
            default:
                break;
        }
        ctx.stats.requests.increment();
        data.position(data.position() + head.headLength());
        headDeadline = 0;
        HttpRequest request = HttpRequest.of(head, connection.remoteAddress());
        connection.suspendRead();
        state = State.HANDLING;
        current = new Exchange(request, head.headLength());
        if (head.contentLength() > 0) {
            // no method served here has a body; reading one would need its own bounds
            current.answer(HttpResponse.error(413, "request body not accepted"), false);
            return;
        }
        dispatch(current);
    }

    private void dispatch(Exchange ex) {
        HttpRequest request = ex.request;
        switch (request.method()) {
            case GET:
            case HEAD:
                break;
            case OPTIONS:
                HttpResponse preflight = HttpResponse.status(200);
                CORS_PREFLIGHT.forEach(h -> preflight.header(h.name(), h.value()));
                ex.respond(preflight);
                return;
            default:
                ex.answer(HttpResponse.error(405, "method not allowed: " + request.methodText())
                        .header("Allow", "GET, HEAD, OPTIONS"), false);
                return;
        }
        HttpHandler handler = ctx.dispatcher.route(request);
        if (handler == null) {
            ex.fail(404, "not found");
            return;
        }
        try {
            handler.handle(ex);
        } catch (RuntimeException | LinkageError e) {
            ctx.stats.handlerErrors.increment();
            LOG.warn("HTTP handler {} failed on {}", handler.getClass().getSimpleName(), request, e);
            ex.answer(HttpResponse.error(500, "internal error"), false);
        }
    }

    /** Closes a connection whose head or keep-alive deadline passed; called by the sweep. */
    void checkDeadline(long now) {
        if (state != State.READING_HEAD) {
            return;
        }
        if (headDeadline != 0 && now - headDeadline >= 0) {
            ctx.stats.headTimeouts.increment();
            answerAndClose(408, "request head not received in time", false);
        } else if (headDeadline == 0 && now - idleDeadline >= 0) {
            state = State.CLOSED;
            conn.close();
        }
    }

    private void answerAndClose(int status, String reason, boolean head) {
        state = State.CLOSED;
        ctx.stats.responded(status);
        HttpResponse r = HttpResponse.error(status, reason);
        ByteBuffer body = r.body();
        conn.write(ResponseHeads.write(status, r.reason(), r.headers(), body.remaining(), true, false));
        if (!head) {
            conn.write(body);
        }
        conn.close();
    }

    @Override
    public void onWritable(TcpConnection connection) {
        if (leg != null) {
            leg.clientWritable();
        }
    }

    @Override
    public void onClosed(TcpConnection connection, TcpCloseReason reason) {
        state = State.CLOSED;
        pw.connections.remove(this);
        if (leg != null) {
            leg.clientClosed(reason);
        }
    }

    /** The relay of the current request finished; the connection may take the next request. */
    void relayFinished(boolean keepAlive) {
        leg = null;
        finish(keepAlive);
    }

    private void finish(boolean keepAlive) {
        current = null;
        if (state == State.CLOSED) {
            return;
        }
        if (!keepAlive) {
            state = State.CLOSED;
            conn.close();
            return;
        }
        state = State.READING_HEAD;
        idleDeadline = conn.worker().nanoTime() + ctx.settings.keepAliveTimeoutNanos();
        conn.resumeRead();
    }

    /** The exchange of one request; see {@link HttpExchange}. */
    final class Exchange implements HttpExchange {
        final HttpRequest request;
        final int requestHeadBytes;
        private boolean answered;

        Exchange(HttpRequest request, int requestHeadBytes) {
            this.request = request;
            this.requestHeadBytes = requestHeadBytes;
        }

        @Override
        public HttpRequest request() {
            return request;
        }

        private boolean claim() {
            if (answered) {
                LOG.warn("second answer to {} ignored", request);
                return false;
            }
            answered = true;
            return true;
        }

        @Override
        public void respond(HttpResponse response) {
            answer(response, true);
        }

        void answer(HttpResponse response, boolean keepAliveAllowed) {
            if (!claim()) {
                return;
            }
            boolean keepAlive = keepAliveAllowed && request.keepAlive() && state != State.CLOSED;
            ByteBuffer body = response.body();
            ctx.stats.responded(response.statusCode());
            conn.write(ResponseHeads.write(response.statusCode(), response.reason(), response.headers(),
                    body.remaining(), request.isHttp11(), keepAlive));
            if (request.method() != HttpMethod.HEAD) {
                conn.write(body);
            }
            finish(keepAlive);
        }

        @Override
        public void fail(int status, String reason) {
            answer(HttpResponse.error(status, reason), status < 500);
        }

        @Override
        public void relay(OriginRelay relay) {
            if (!claim()) {
                return;
            }
            if (state == State.CLOSED) {
                relay.listener().onEnd(RelayOutcome.CLIENT_CLOSED, 0);
                ctx.stats.relayEnded(RelayOutcome.CLIENT_CLOSED);
                return;
            }
            state = State.RELAYING;
            leg = new OriginLeg(ctx, pw, HttpConnection.this, conn, request, relay);
            leg.start();
        }

        @Override
        public <T> void offLoop(Callable<T> work, BiConsumer<T, Throwable> resume) {
            ctx.offLoop.submit(pw.loop, work, (value, failure) -> {
                if (failure instanceof EventLoopGoneException) {
                    // the front closed: the handler still learns of it, off the loop
                    resume.accept(null, failure);
                    return;
                }
                resume.accept(value, failure);
            });
        }

        @Override
        public boolean isOpen() {
            return state != State.CLOSED && conn.isOpen();
        }
    }
}
