package dev.originproxy.core.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;

/**
 * Optional bearer-token authentication for the proxy's HTTP endpoints (RFC 6750 §2.1). The
 * token comparison takes the same time whatever the token sent, so it leaks nothing by timing.
 *
 * <p>Immutable and thread-safe.
 */
public final class BearerAuth {
    private final byte[] token;

    private BearerAuth(byte[] token) {
        this.token = token;
    }

    /** No authentication: every request passes. */
    public static BearerAuth none() {
        return new BearerAuth(null);
    }

    /** Requests must carry {@code Authorization: Bearer <token>}. */
    public static BearerAuth token(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) {
            throw new IllegalArgumentException("bearer token is empty");
        }
        return new BearerAuth(token.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether a token is required. */
    public boolean enabled() {
        return token != null;
    }

    /**
     * Checks a request: empty when it may pass, otherwise the 401 to answer, with
     * {@code WWW-Authenticate: Bearer}.
     */
    public Optional<ApiResponse> check(ApiRequest request) {
        if (token == null) {
            return Optional.empty();
        }
        String header = request.header("Authorization");
        byte[] sent = new byte[0];
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            sent = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        }
        // MessageDigest.isEqual is constant-time for equal lengths and does not short-circuit.
        if (header != null && MessageDigest.isEqual(sent, token)) {
            return Optional.empty();
        }
        ApiResponse base = ApiResponse.error(401, header == null ? "missing bearer token" : "invalid bearer token");
        ApiResponse.Builder b = ApiResponse.builder(401);
        base.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
        b.header("WWW-Authenticate", header == null ? "Bearer" : "Bearer error=\"invalid_token\"");
        return Optional.of(b.body(base.body()).build());
    }
}
