package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The HTTP client side of the forwarder: builds requests to an origin's HTTP API, copies the
 * headers a client may send on, and maps transport failures to the client's response.
 *
 * <p>Thread-safe.
 */
public final class OriginClient {
    private final HttpClient http;
    private final OriginExchange exchange;
    private final Duration requestTimeout;
    private final boolean forwardAuthorization;

    /**
     * @param http the client (no redirects)
     * @param requestTimeout whole-request timeout (then 504)
     * @param forwardAuthorization whether the client's {@code Authorization} is meant for the origin
     */
    public OriginClient(HttpClient http, Duration requestTimeout, boolean forwardAuthorization) {
        this.http = Objects.requireNonNull(http, "http");
        this.exchange = null;
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.forwardAuthorization = forwardAuthorization;
    }

    /**
     * A client that talks to origins with blocking {@link OriginExchange}s on the calling thread.
     *
     * @param exchange the exchange
     * @param requestTimeout whole-request timeout (then 504)
     * @param forwardAuthorization whether the client's {@code Authorization} is meant for the origin
     */
    public OriginClient(OriginExchange exchange, Duration requestTimeout, boolean forwardAuthorization) {
        this.http = null;
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.forwardAuthorization = forwardAuthorization;
    }

    /** A failure to talk to the origin, already mapped to the client's response. */
    public static final class OriginFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient ApiResponse response;
        private final boolean unreachable;

        OriginFailure(ApiResponse response) {
            this(response, false);
        }

        OriginFailure(ApiResponse response, boolean unreachable) {
            super(null, null, false, false);
            this.response = response;
            this.unreachable = unreachable;
        }

        /** Whether the origin could not be reached at all (connection refused): a sign it is gone. */
        public boolean unreachable() {
            return unreachable;
        }

        /** What the client is answered. */
        public ApiResponse response() {
            return response;
        }
    }

    /** A request builder to {@code target} with the request timeout set. */
    public HttpRequest.Builder request(URI target) {
        return HttpRequest.newBuilder(target).timeout(requestTimeout);
    }

    /** Sends a request and reads the whole answer. */
    public HttpResponse<byte[]> send(HttpRequest request) throws OriginFailure {
        try {
            return exchange != null ? exchange.send(request)
                    : http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new OriginFailure(ApiResponse.error(504, "origin timed out"));
        } catch (ConnectException e) {
            throw new OriginFailure(ApiResponse.error(502, "origin unreachable"), true);
        } catch (IOException e) {
            throw new OriginFailure(ApiResponse.error(502, "origin failed: " + e.getClass().getSimpleName()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OriginFailure(ApiResponse.error(503, "interrupted"));
        }
    }

    /** Copies {@code Accept}, the client's token when it is meant for the origin, and the client's address. */
    public void forwardHeaders(ApiRequest req, HttpRequest.Builder out) {
        String accept = req.header("Accept");
        if (accept != null) {
            out.header("Accept", accept);
        }
        String authz = req.header("Authorization");
        if (authz != null && forwardAuthorization) {
            out.header("Authorization", authz);
        }
        if (req.remoteAddress() != null && req.remoteAddress().getAddress() != null) {
            String ip = req.remoteAddress().getAddress().getHostAddress();
            String prior = req.header("X-Forwarded-For");
            out.header("X-Forwarded-For", prior == null ? ip : prior + ", " + ip);
            out.header("X-Real-IP", ip);
        }
    }

    /**
     * Where an origin's {@code Location} (relative or absolute) points, pinned to the origin's
     * registered API address: only its path and query are kept, so an origin can never make the
     * proxy talk to another host or port. Empty when it is not a usable URI reference.
     */
    public static Optional<URI> resourceOn(InetSocketAddress api, URI requestTarget, String location) {
        try {
            URI resolved = requestTarget.resolve(location.trim());
            String path = resolved.getRawPath();
            if (path == null || !path.startsWith("/")) {
                return Optional.empty();
            }
            return Optional.of(originUri(api, path, resolved.getRawQuery()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A stored origin resource moved onto the origin's current API address (path and query kept). */
    public static URI pinned(InetSocketAddress api, String storedResource) {
        URI stored = URI.create(storedResource);
        return originUri(api, stored.getRawPath(), stored.getRawQuery());
    }

    /** {@code http://<api address><path>?<query>}. */
    public static URI originUri(InetSocketAddress api, String path, String rawQuery) {
        String host = api.getAddress() != null ? api.getAddress().getHostAddress() : api.getHostString();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + api.getPort() + path + (rawQuery == null ? "" : "?" + rawQuery));
    }
}
