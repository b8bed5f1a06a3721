package dev.originproxy.http.internal;

import dev.originproxy.core.relay.api.TcpCloseReason;
import dev.originproxy.core.tcp.TcpConnection;
import dev.originproxy.core.tcp.TcpHandler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The origin side of one {@link HttpExchange#relay}: a non-blocking connection to the origin
 * (its own per viewer), the request head written to it, the response head read with the
 * worker's {@link HttpResponseHead}, then the body copied to the client with backpressure.
 *
 * <p>Backpressure: after each write to the client, if the client's queue is above the engine's
 * high-water mark the origin is no longer read ({@link TcpConnection#suspendRead}); when the
 * client drains ({@link HttpConnection#onWritable}) reading resumes. So per viewer at most one
 * engine buffer above the high-water mark is held, and a viewer that stops reading is closed by
 * the engine's write-stall timeout without slowing anyone else (each viewer has its own origin
 * connection, so no fan-out queue can be held back by the slowest reader).
 *
 * <p>Only one direction is relayed: the client's later bytes never reach the origin (they would
 * be an unparsed second request: smuggling). Framing: a {@code Content-Length} body is counted
 * and the client connection kept alive after it; a chunked or close-delimited body ends when the
 * origin closes, and then the client connection is closed too.
 *
 * <p>Threading: the worker's thread only.
 */
final class OriginLeg implements TcpHandler {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "upgrade", "proxy-authenticate", "server");

    private enum State { CONNECTING, AWAITING_HEAD, STREAMING, DONE }

    private final FrontContext ctx;
    private final FrontContext.PerWorker pw;
    private final HttpConnection front;
    private final TcpConnection client;
    private final HttpRequest request;
    private final OriginRelay relay;
    private TcpConnection origin;
    private State state = State.CONNECTING;
    private long bodyLeft = -1; // -1: until the origin closes
    private boolean keepAlive;
    private boolean discardClientInput;
    private long bytesToClient;

    OriginLeg(FrontContext ctx, FrontContext.PerWorker pw, HttpConnection front, TcpConnection client,
              HttpRequest request, OriginRelay relay) {
        this.ctx = ctx;
        this.pw = pw;
        this.front = front;
        this.client = client;
        this.request = request;
        this.relay = relay;
    }

    void start() {
        try {
            origin = client.worker().connect(relay.origin(), this,
                    Duration.ofNanos(ctx.settings.originConnectTimeoutNanos()));
        } catch (IOException | RuntimeException e) {
            failBeforeHead(502, "origin unreachable", RelayOutcome.ORIGIN_UNREACHABLE);
            return;
        }
        origin.write(relay.requestHead().duplicate());
    }

    /** Whether the client's input is read and dropped (streamed answers), rather than kept. */
    boolean discardsClientInput() {
        return discardClientInput;
    }

    @Override
    public void onConnected(TcpConnection connection) {
        state = State.AWAITING_HEAD;
        connection.deadline(connection.worker().nanoTime() + ctx.settings.originResponseTimeoutNanos());
    }

    @Override
    public void onData(TcpConnection connection, ByteBuffer data) {
        if (state == State.AWAITING_HEAD) {
            HttpResponseHead head = pw.responseHead;
            while (true) {
                switch (head.wrap(data, data.position(), data.remaining())) {
                    case INCOMPLETE:
                        return;
                    case INVALID:
                        data.position(data.limit());
                        failBeforeHead(502, "origin sent an invalid response", RelayOutcome.ORIGIN_INVALID);
                        return;
                    default:
                        break;
                }
                if (head.status() >= 200 || head.status() == 101) {
                    break;
                }
                // an interim 1xx (RFC 9110 §15.2) is not the answer: skip it, wait for the final one
                data.position(data.position() + head.headLength());
            }
            connection.deadline(0);
            writeHead(head);
            data.position(data.position() + head.headLength());
            relay.listener().onOriginResponse(head.status());
            if (bodyLeft == 0) {
                end(RelayOutcome.COMPLETED);
                return;
            }
        }
        if (state != State.STREAMING) {
            data.position(data.limit());
            return;
        }
        int n = data.remaining();
        if (n > 0) {
            ByteBuffer out = data;
            if (bodyLeft >= 0 && n > bodyLeft) {
                // bytes after the framed body are not ours: write only the body, drop the rest
                n = (int) bodyLeft;
                out = data.duplicate();
                out.limit(out.position() + n);
                data.position(data.limit());
            }
            bytesToClient += n;
            if (!client.write(out)) {
                return; // the client is closing; its onClosed ends the relay
            }
            if (bodyLeft > 0) {
                bodyLeft -= n;
            }
        }
        if (bodyLeft == 0) {
            end(RelayOutcome.COMPLETED);
        } else if (!client.isWritable()) {
            connection.suspendRead();
        }
    }

    private void writeHead(HttpResponseHead head) {
        int status = head.status();
        boolean noBody = request.method() == HttpMethod.HEAD || status == 204 || status == 304 || status < 200;
        String originHost = relay.origin().getAddress() == null ? relay.origin().getHostString()
                : relay.origin().getAddress().getHostAddress();
        List<HttpHeader> fields = new ArrayList<>(head.headerCount());
        for (int i = 0; i < head.headerCount(); i++) {
            String name = head.headerName(i);
            String lower = name.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower) || (noBody && lower.equals("transfer-encoding"))) {
                continue;
            }
            String value = head.headerValue(i);
            if (value.contains(originHost)) {
                ctx.stats.scrubbedFields.increment(); // e.g. a Location naming the origin's address
                continue;
            }
            fields.add(new HttpHeader(name, value));
        }
        String reason = head.reason();
        if (reason.isEmpty() || reason.contains(originHost)) {
            reason = HttpStatus.reasonPhrase(status);
        }
        if (noBody) {
            bodyLeft = 0;
            keepAlive = request.keepAlive();
        } else if (head.contentLength() >= 0 && !head.hasTransferEncoding()) {
            bodyLeft = head.contentLength();
            keepAlive = request.keepAlive();
        } else {
            bodyLeft = -1;
            keepAlive = false;
            discardClientInput = true;
            client.resumeRead(); // so a viewer that leaves is noticed at once
        }
        ctx.stats.responded(status);
        // Content-Length and Transfer-Encoding pass as the origin sent them (the body is relayed
        // with its own framing), so none is added here.
        client.write(ResponseHeads.write(status, reason, fields, -1, request.isHttp11(), keepAlive));
        state = State.STREAMING;
    }

    @Override
    public void onInputShutdown(TcpConnection connection) {
        if (state == State.STREAMING && bodyLeft < 0) {
            end(RelayOutcome.COMPLETED); // close-delimited or chunked: the origin's close is the end
        } else if (state == State.STREAMING) {
            end(RelayOutcome.ORIGIN_CLOSED);
        } else {
            failBeforeHead(502, "origin closed the connection before answering", RelayOutcome.ORIGIN_INVALID);
        }
    }

    @Override
    public void onClosed(TcpConnection connection, TcpCloseReason reason) {
        switch (state) {
            case CONNECTING:
                if (reason == TcpCloseReason.CONNECT_TIMEOUT) {
                    failBeforeHead(504, "origin did not accept the connection in time", RelayOutcome.ORIGIN_TIMEOUT);
                } else {
                    failBeforeHead(502, "origin unreachable", RelayOutcome.ORIGIN_UNREACHABLE);
                }
                return;
            case AWAITING_HEAD:
                if (reason == TcpCloseReason.DEADLINE) {
                    failBeforeHead(504, "origin did not answer in time", RelayOutcome.ORIGIN_TIMEOUT);
                } else {
                    failBeforeHead(502, "origin closed the connection before answering", RelayOutcome.ORIGIN_INVALID);
                }
                return;
            case STREAMING:
                end(bodyLeft < 0 && reason == TcpCloseReason.CLOSED ? RelayOutcome.COMPLETED : RelayOutcome.ORIGIN_CLOSED);
                return;
            default:
        }
    }

    /** The client drained below its low-water mark: read the origin again. */
    void clientWritable() {
        if (origin != null && state == State.STREAMING) {
            origin.resumeRead();
        }
    }

    /** The client connection closed (left, reset, stalled): the origin connection goes too. */
    void clientClosed(TcpCloseReason reason) {
        if (state == State.DONE) {
            return;
        }
        RelayOutcome outcome = reason == TcpCloseReason.WRITE_STALL || reason == TcpCloseReason.BUFFER_LIMIT
                ? RelayOutcome.CLIENT_TOO_SLOW
                : reason == TcpCloseReason.SHUTDOWN ? RelayOutcome.SHUTDOWN : RelayOutcome.CLIENT_CLOSED;
        done(outcome);
        if (origin != null) {
            origin.abort();
        }
    }

    private void failBeforeHead(int status, String reason, RelayOutcome outcome) {
        if (state == State.DONE) {
            return;
        }
        done(outcome);
        if (origin != null && !origin.isClosed()) {
            origin.abort();
        }
        ctx.stats.responded(status);
        HttpResponse r = HttpResponse.error(status, reason);
        ByteBuffer body = r.body();
        client.write(ResponseHeads.write(status, r.reason(), r.headers(), body.remaining(), request.isHttp11(), false));
        if (request.method() != HttpMethod.HEAD) {
            client.write(body);
        }
        front.relayFinished(false);
    }

    private void end(RelayOutcome outcome) {
        if (state == State.DONE) {
            return;
        }
        boolean complete = outcome == RelayOutcome.COMPLETED;
        done(outcome);
        if (origin != null && !origin.isClosed()) {
            if (complete) {
                origin.close();
            } else {
                origin.abort();
            }
        }
        if (complete) {
            front.relayFinished(keepAlive);
        } else {
            client.abort(); // a truncated body must not look complete to the viewer
        }
    }

    private void done(RelayOutcome outcome) {
        state = State.DONE;
        ctx.stats.relayEnded(outcome);
        relay.listener().onEnd(outcome, bytesToClient);
    }

    /** The origin's address, for logs. */
    InetSocketAddress originAddress() {
        return relay.origin();
    }
}
