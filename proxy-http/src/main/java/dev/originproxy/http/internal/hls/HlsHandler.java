package dev.originproxy.http.internal.hls;

import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.HlsSession;
import dev.originproxy.core.balancer.HlsSessionLimitException;
import dev.originproxy.core.balancer.HlsSessionStore;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.OriginRegistry;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.loop.EventLoopGoneException;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.SessionRefusedException;
import dev.originproxy.http.internal.HttpExchange;
import dev.originproxy.http.internal.HttpHandler;
import dev.originproxy.http.internal.HttpHeader;
import dev.originproxy.http.internal.HttpMethod;
import dev.originproxy.http.internal.HttpRequest;
import dev.originproxy.http.internal.HttpResponse;
import dev.originproxy.http.internal.OriginRelay;
import dev.originproxy.http.internal.OriginRequests;
import dev.originproxy.http.internal.RelayListener;
import dev.originproxy.http.internal.RelayOutcome;
import dev.originproxy.http.internal.StreamRequests;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;

/**
 * HLS through the proxy. A playlist request ({@code .m3u8}) without a session id is a new
 * viewer: the stream is placed (sticky, shared with every protocol), a session is created in
 * the balancer's {@link HlsSessionStore} (shared by the fleet with the Redis balancer), the
 * playlist is fetched from the origin's first {@code http} port and rewritten
 * ({@link PlaylistRewriter}) so every URI carries the id. Any later request carrying the id —
 * a variant or media playlist reload, a segment, an LL-HLS part or preload hint, an init
 * segment, a key — resolves it (on whichever proxy gets it) to the same origin: playlists are
 * fetched and rewritten again, everything else is relayed (spliced, not buffered; {@code Range}
 * and the other end-to-end fields pass) with the id taken out of the query and every other
 * parameter kept, LL-HLS blocking-reload parameters included.
 *
 * <p>A new viewer's first playlist that is a media playlist (nginx-rtmp serves one) is answered
 * with a one-variant master playlist pointing at the same URL plus the session id, as SRS 7 does
 * with its {@code hls_ctx}: players reload a media playlist from the URL they first asked for, so
 * without the indirection every reload would be a new viewer and a new session. An origin's own
 * master playlist (SRS 7) is rewritten as it is.
 *
 * <p>An id that is unknown, expired or malformed is answered {@code 404 unknown HLS session},
 * never served from some other origin. Playlist responses carry the origin's
 * {@code Content-Type}, {@code Cache-Control}, {@code Expires} and {@code Last-Modified} only:
 * {@code ETag} and digests describe the origin's bytes, not the rewritten ones, and the front
 * sets {@code Content-Length} from the rewritten body.
 *
 * <p>Threading: {@link #handle} runs on the event loop and only parses; balancer calls, the
 * playlist fetch and the viewer lifecycle run through {@link HttpExchange#offLoop}.
 */
public final class HlsHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HlsHandler.class);
    /** Origin fields a rewritten playlist keeps; everything else (ETag, digests, ...) is dropped. */
    private static final Set<String> KEPT_PLAYLIST_FIELDS = Set.of("content-type", "cache-control", "expires",
            "last-modified");
    /** Client fields not sent when fetching a playlist: the proxy needs the whole, identity-coded body. */
    private static final Set<String> DROPPED_PLAYLIST_REQUEST_FIELDS = Set.of("accept-encoding", "range", "if-range",
            "if-none-match", "if-modified-since", "if-match", "if-unmodified-since");

    private final StreamPlacement placement;
    private final OriginRegistry registry;
    private final HlsSessionStore sessions;
    private final HlsViewers viewers;
    private final PlaylistFetcher fetcher;
    private final HlsStats stats;

    /**
     * @param placement where streams live (new viewers)
     * @param registry the origins (a session's origin by id)
     * @param sessions the fleet's HLS sessions
     * @param viewers this proxy's viewer count and lifecycle
     * @param fetcher fetches playlists from origins
     */
    public HlsHandler(StreamPlacement placement, OriginRegistry registry, HlsSessionStore sessions,
                      HlsViewers viewers, PlaylistFetcher fetcher, HlsStats stats) {
        this.placement = Objects.requireNonNull(placement, "placement");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.viewers = Objects.requireNonNull(viewers, "viewers");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.stats = Objects.requireNonNull(stats, "stats");
    }

    @Override
    public boolean handles(HttpRequest request) {
        return isPlaylist(request) || SessionQuery.sessionId(request.query()) != null;
    }

    private static boolean isPlaylist(HttpRequest request) {
        return request.extension().equals("m3u8");
    }

    @Override
    public void handle(HttpExchange exchange) {
        HttpRequest request = exchange.request();
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            exchange.respond(HttpResponse.error(405, "HLS is read with GET or HEAD").header("Allow", "GET, HEAD"));
            return;
        }
        String id = SessionQuery.sessionId(request.query());
        if (isPlaylist(request)) {
            exchange.offLoop(() -> playlist(request, id), (response, failure) -> {
                if (failure != null) {
                    answerFailure(exchange, failure);
                } else {
                    exchange.respond(response);
                }
            });
        } else {
            exchange.offLoop(() -> media(request, id), (relay, failure) -> {
                if (failure != null) {
                    answerFailure(exchange, failure);
                } else if (exchange.isOpen()) {
                    stats.mediaRelayed.increment();
                    exchange.relay(relay);
                }
            });
        }
    }

    /** Off the loop: the rewritten playlist, or a failure {@link #answerFailure} maps. */
    private HttpResponse playlist(HttpRequest request, String id) throws Exception {
        HlsSession session = null;
        StreamKey key = null;
        OriginServer origin;
        if (id == null) {
            key = StreamRequests.keyOf(request);
            origin = placement.pick(key);
        } else {
            session = resolve(id);
            origin = originOf(session);
            viewers.seen(session, request.client());
        }
        InetSocketAddress address = httpAddress(origin);
        ByteBuffer head = OriginRequests.forward(playlistRequest(request),
                SessionQuery.originTarget(request.path(), request.query()));
        PlaylistFetcher.Response answer = fetcher.fetch(address, head);
        if (answer.status() != 200) {
            stats.originErrors.increment();
            // The origin's status passes; its body and reason may name origin addresses, so they do not.
            return HttpResponse.error(answer.status(), "origin answered " + answer.status() + " for the playlist");
        }
        String coding = answer.header("Content-Encoding");
        if (coding != null && !coding.trim().equalsIgnoreCase("identity")) {
            stats.originErrors.increment();
            return HttpResponse.error(502, "origin sent an encoded playlist (" + oneToken(coding) + ")");
        }
        byte[] body = answer.body();
        if (!isPlaylistBody(body)) {
            stats.rewriteFailed(PlaylistRewriter.Failure.NOT_A_PLAYLIST);
            return HttpResponse.error(502, "origin sent no valid playlist (not_a_playlist)");
        }
        if (session == null) {
            // A new viewer: only now, so a stream that is not there (yet) leaves no session behind.
            session = sessions.create(key, origin.id());
            stats.sessionsCreated.increment();
            viewers.seen(session, request.client());
            if (!PlaylistRewriter.isMasterPlaylist(body, 0, body.length)) {
                stats.playlistsServed.increment();
                return HttpResponse.status(200).header("Cache-Control", "no-cache")
                        .body(singleVariantMaster(request, session.id()), "application/vnd.apple.mpegurl");
            }
        }
        PlaylistRewriter rewriter = new PlaylistRewriter();
        if (!rewriter.rewrite(body, 0, body.length, session.id(), hostsOf(origin, request))) {
            stats.rewriteFailed(rewriter.failure());
            return HttpResponse.error(502, "origin sent no valid playlist (" + rewriter.failure().name().toLowerCase(Locale.ROOT) + ")");
        }
        stats.playlistsServed.increment();
        byte[] out = rewriter.outputCopy();
        viewers.addBytes(session.id(), out.length);
        HttpResponse response = HttpResponse.status(200);
        String type = "application/vnd.apple.mpegurl";
        for (HttpHeader h : answer.headers()) {
            String name = h.name().toLowerCase(Locale.ROOT);
            if (name.equals("content-type")) {
                type = h.value();
            } else if (KEPT_PLAYLIST_FIELDS.contains(name)) {
                response.header(h.name(), h.value());
            }
        }
        return response.body(ByteBuffer.wrap(out), type);
    }

    /** Whether the body starts with {@code #EXTM3U} (after a UTF-8 byte order mark, if any). */
    private static boolean isPlaylistBody(byte[] body) {
        int p = body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF ? 3 : 0;
        return body.length - p >= 7 && new String(body, p, 7, StandardCharsets.US_ASCII).equals("#EXTM3U");
    }

    /**
     * A master playlist with one variant: the URL the viewer asked for (path and query as sent)
     * plus the session id. The path is absolute so it resolves the same from any base URL.
     */
    private static String singleVariantMaster(HttpRequest request, String sessionId) {
        String query = request.query();
        String target = request.path() + (query == null || query.isEmpty() ? "?" : "?" + query + "&")
                + PlaylistRewriter.SESSION_PARAM + "=" + sessionId;
        return "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\n" + target + "\n";
    }

    /** Off the loop: what to relay for a segment, part, init segment or key. */
    private OriginRelay media(HttpRequest request, String id) throws Exception {
        HlsSession session = resolve(id);
        OriginServer origin = originOf(session);
        viewers.seen(session, request.client());
        InetSocketAddress address = httpAddress(origin);
        ByteBuffer head = OriginRequests.forward(request, SessionQuery.originTarget(request.path(), request.query()));
        String sessionId = session.id();
        return new OriginRelay(address, head, new RelayListener() {
            @Override
            public void onEnd(RelayOutcome outcome, long bytesToClient) {
                viewers.addBytes(sessionId, bytesToClient);
            }
        });
    }

    private HlsSession resolve(String id) throws UnknownSessionException {
        HlsSession s = sessions.touch(id).orElse(null);
        if (s == null) {
            stats.unknownSessions.increment();
            throw new UnknownSessionException();
        }
        return s;
    }

    private OriginServer originOf(HlsSession session) throws OriginGoneException {
        return registry.find(session.originId()).orElseThrow(OriginGoneException::new);
    }

    private static InetSocketAddress httpAddress(OriginServer origin) throws NoHttpEndpointException {
        return origin.address(OriginProtocol.HTTP, OriginEndpoint.Transport.TCP).orElseThrow(NoHttpEndpointException::new);
    }

    /** The client's request as a playlist fetch: GET, identity coding, unconditional, whole. */
    private static HttpRequest playlistRequest(HttpRequest request) {
        List<HttpHeader> fields = new ArrayList<>(request.headers().size());
        for (HttpHeader h : request.headers()) {
            if (!DROPPED_PLAYLIST_REQUEST_FIELDS.contains(h.name().toLowerCase(Locale.ROOT))) {
                fields.add(h);
            }
        }
        return new HttpRequest(HttpMethod.GET, "GET", request.path(), request.query(), request.isHttp11(),
                false, fields, request.client());
    }

    /** The hosts whose absolute URIs are the origin's: its IP, and the name the client used for us. */
    private static byte[][] hostsOf(OriginServer origin, HttpRequest request) {
        byte[] ip = origin.ip().getBytes(StandardCharsets.US_ASCII);
        String host = hostName(request.host());
        return host == null ? new byte[][] {ip} : new byte[][] {ip, host.getBytes(StandardCharsets.US_ASCII)};
    }

    /** The host of a Host field without port and brackets, or null. */
    static String hostName(String hostField) {
        if (hostField == null || hostField.isBlank()) {
            return null;
        }
        String h = hostField.trim();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close < 0 ? null : h.substring(1, close);
        }
        int colon = h.lastIndexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private static String oneToken(String s) {
        String t = s.trim();
        return t.length() > 32 ? t.substring(0, 32) : t;
    }

    private void answerFailure(HttpExchange exchange, Throwable failure) {
        if (failure instanceof EventLoopGoneException || !exchange.isOpen()) {
            return;
        }
        if (failure instanceof UnknownSessionException) {
            exchange.fail(404, "unknown HLS session");
        } else if (failure instanceof InvalidStreamKeyException) {
            exchange.fail(400, failure.getMessage());
        } else if (failure instanceof SessionRefusedException) {
            exchange.fail(403, failure.getMessage());
        } else if (failure instanceof NoOriginAvailableException) {
            exchange.fail(503, "no origin available for the stream");
        } else if (failure instanceof HlsSessionLimitException) {
            stats.sessionLimitRefusals.increment();
            exchange.fail(503, "HLS session limit reached");
        } else if (failure instanceof HlsViewers.ViewerLimitException) {
            exchange.fail(503, "HLS viewer limit reached");
        } else if (failure instanceof BalancerUnavailableException) {
            exchange.fail(503, "load balancer unavailable");
        } else if (failure instanceof RejectedExecutionException) {
            exchange.fail(503, "proxy busy");
        } else if (failure instanceof OriginGoneException) {
            exchange.fail(502, "the origin of this HLS session is gone");
        } else if (failure instanceof NoHttpEndpointException) {
            exchange.fail(503, "the stream's origin announced no http port");
        } else if (failure instanceof PlaylistFetcher.PlaylistTooLargeException) {
            stats.originErrors.increment();
            exchange.fail(502, "origin playlist too large");
        } else if (failure instanceof SocketTimeoutException) {
            stats.originErrors.increment();
            exchange.fail(504, "origin did not answer in time");
        } else if (failure instanceof ConnectException || failure instanceof IOException) {
            stats.originErrors.increment();
            exchange.fail(502, "origin unreachable or answered no valid HTTP");
        } else {
            LOG.warn("HLS request {} failed", exchange.request(), failure);
            exchange.fail(500, "internal error");
        }
    }

    /** The session id resolves to nothing (unknown, expired, malformed). */
    private static final class UnknownSessionException extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownSessionException() {
            super("unknown HLS session", null, false, false);
        }
    }

    /** The session's origin no longer heartbeats. */
    private static final class OriginGoneException extends Exception {
        private static final long serialVersionUID = 1L;

        OriginGoneException() {
            super("origin gone", null, false, false);
        }
    }

    /** The origin registered no http port. */
    private static final class NoHttpEndpointException extends Exception {
        private static final long serialVersionUID = 1L;

        NoHttpEndpointException() {
            super("no http endpoint", null, false, false);
        }
    }
}
