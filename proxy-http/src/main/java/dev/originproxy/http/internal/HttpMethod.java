package dev.originproxy.http.internal;

/**
 * The request methods the front tells apart without allocating; every other token is
 * {@link #OTHER} (answered 405 with {@code Allow}).
 */
public enum HttpMethod {
    /** RFC 9110 §9.3.1. */
    GET,
    /** RFC 9110 §9.3.2: like GET without a body. */
    HEAD,
    /** RFC 9110 §9.3.7: CORS preflight, answered by the front itself. */
    OPTIONS,
    /** RFC 9110 §9.3.3. */
    POST,
    /** RFC 9110 §9.3.4. */
    PUT,
    /** RFC 9110 §9.3.5. */
    DELETE,
    /** Any other token. */
    OTHER
}
