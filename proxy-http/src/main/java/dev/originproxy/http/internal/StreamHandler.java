package dev.originproxy.http.internal;

import dev.originproxy.core.Direction;
import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.loop.EventLoopGoneException;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionRefusedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP-FLV and HTTP-TS viewers ({@code .flv}, {@code .ts}): each request is a session. Off the
 * event loop it picks the stream's origin (sticky placement, shared with every other protocol),
 * takes the origin's first {@code http} endpoint and asks the lifecycle's listeners
 * ({@code onStart} may refuse: 403); back on the loop it relays the request to the origin with
 * {@link HttpExchange#relay} and ends the session exactly once when the relay ends.
 *
 * <p>No origin → 503; the balancer unreachable → 503; the proxy's helper pool full → 503.
 * Threading: {@link #handle} on the loop; placement and listeners on the off-loop helper.
 */
public final class StreamHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StreamHandler.class);

    private final StreamPlacement placement;
    private final SessionLifecycle lifecycle;
    private final Clock clock;
    private final AtomicLong ids = new AtomicLong();
    /** Sessions started and not ended yet, so a closing front can end each exactly once. */
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private final String idPrefix;

    /**
     * @param placement where streams live
     * @param lifecycle told of every viewer's start and end
     */
    public StreamHandler(StreamPlacement placement, SessionLifecycle lifecycle, Clock clock) {
        this.placement = placement;
        this.lifecycle = lifecycle;
        this.clock = clock;
        this.idPrefix = "http-" + Long.toHexString(System.nanoTime() & 0xffffff) + "-";
    }

    @Override
    public boolean handles(HttpRequest request) {
        String ext = request.extension();
        return ext.equals("flv") || ext.equals("ts");
    }

    @Override
    public void handle(HttpExchange exchange) {
        HttpRequest request = exchange.request();
        StreamKey key;
        try {
            key = StreamRequests.keyOf(request);
        } catch (InvalidStreamKeyException e) {
            exchange.fail(400, e.getMessage());
            return;
        }
        SessionProtocol protocol = request.extension().equals("flv") ? SessionProtocol.HTTP_FLV : SessionProtocol.HTTP_TS;
        String id = idPrefix + ids.incrementAndGet();
        exchange.offLoop(() -> start(id, protocol, key, request.client()), (placed, failure) -> {
            if (failure != null) {
                answerFailure(exchange, key, failure);
                return;
            }
            if (!exchange.isOpen()) {
                endOffLoop(exchange, placed.session.id(), EndReason.CLIENT_CLOSED, SessionCounters.ZERO);
                return;
            }
            exchange.relay(new OriginRelay(placed.address, OriginRequests.forward(request),
                    new ViewerListener(exchange, placed.session.id(), request)));
        });
    }

    private Placed start(String id, SessionProtocol protocol, StreamKey key, InetSocketAddress client)
            throws SessionRefusedException {
        OriginServer origin = placement.pick(key);
        InetSocketAddress address = origin.address(OriginProtocol.HTTP, OriginEndpoint.Transport.TCP)
                .orElseThrow(() -> new NoHttpEndpointException(origin.id()));
        SessionInfo session = new SessionInfo(id, protocol, Direction.PLAY, key, origin.id(), client, clock.instant());
        lifecycle.start(session);
        started.add(id);
        return new Placed(address, session);
    }

    /** Ends every session still live (the front is closing); each ends once, whoever gets there first. */
    public void endAll() {
        for (String id : started.toArray(new String[0])) {
            end(id, EndReason.PROXY_SHUTDOWN, SessionCounters.ZERO);
        }
    }

    private void end(String id, EndReason reason, SessionCounters counters) {
        if (started.remove(id)) {
            lifecycle.end(id, reason, counters);
        }
    }

    private static void answerFailure(HttpExchange exchange, StreamKey key, Throwable failure) {
        if (failure instanceof SessionRefusedException) {
            exchange.fail(403, failure.getMessage());
        } else if (failure instanceof NoOriginAvailableException) {
            exchange.fail(503, "no origin available for " + key.app() + "/" + key.stream());
        } else if (failure instanceof NoHttpEndpointException) {
            exchange.fail(503, "the stream's origin announced no http port");
        } else if (failure instanceof BalancerUnavailableException) {
            exchange.fail(503, "load balancer unavailable");
        } else if (failure instanceof RejectedExecutionException) {
            exchange.fail(503, "proxy busy");
        } else if (failure instanceof EventLoopGoneException) {
            return; // the front closed; endAll() ends what was started
        } else if (exchange.isOpen()) {
            LOG.warn("starting a viewer of {} failed", key, failure);
            exchange.fail(500, "internal error");
        }
    }

    /** Ends a session off the loop (listeners are host code), inline if the helper refuses. */
    private void endOffLoop(HttpExchange exchange, String id, EndReason reason, SessionCounters counters) {
        exchange.offLoop(() -> {
            end(id, reason, counters);
            return null;
        }, (ended, failure) -> {
            if (failure != null) {
                end(id, reason, counters); // refused or loop gone: never lose an onEnd
            }
        });
    }

    private static EndReason endReason(RelayOutcome outcome) {
        switch (outcome) {
            case COMPLETED:
            case ORIGIN_CLOSED:
                return EndReason.ORIGIN_CLOSED;
            case CLIENT_CLOSED:
                return EndReason.CLIENT_CLOSED;
            case CLIENT_TOO_SLOW:
                return EndReason.IDLE_TIMEOUT;
            case ORIGIN_UNREACHABLE:
                return EndReason.ORIGIN_GONE;
            case ORIGIN_TIMEOUT:
                return EndReason.HANDSHAKE_TIMEOUT;
            case ORIGIN_INVALID:
                return EndReason.ORIGIN_REJECTED;
            case SHUTDOWN:
                return EndReason.PROXY_SHUTDOWN;
            default:
                return EndReason.ERROR;
        }
    }

    private record Placed(InetSocketAddress address, SessionInfo session) {
    }

    /** The origin has no {@code http} endpoint in its registration. */
    private static final class NoHttpEndpointException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoHttpEndpointException(String originId) {
            super("origin " + originId + " announced no http port");
        }
    }

    /** Ends the viewer's session when its relay ends. */
    private final class ViewerListener implements RelayListener {
        private final HttpExchange exchange;
        private final String id;
        private final long requestBytes;
        private int originStatus;

        ViewerListener(HttpExchange exchange, String id, HttpRequest request) {
            this.exchange = exchange;
            this.id = id;
            this.requestBytes = request.target().length();
        }

        @Override
        public void onOriginResponse(int status) {
            originStatus = status;
        }

        @Override
        public void onEnd(RelayOutcome outcome, long bytesToClient) {
            EndReason reason = originStatus >= 400 ? EndReason.ORIGIN_REJECTED : endReason(outcome);
            endOffLoop(exchange, id, reason, new SessionCounters(1, requestBytes, 0, bytesToClient, 0));
        }
    }
}
