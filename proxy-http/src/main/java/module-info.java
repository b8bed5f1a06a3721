/**
 * HTTP streaming through the proxy: HTTP-FLV and HTTP-TS streamed from the stream's origin with
 * backpressure, HLS playlists rewritten so every URI carries a fleet-wide session id, and static
 * files (player pages), all behind one strict HTTP/1.1 front ({@code PROXY_HTTP_SERVER}).
 *
 * <p><b>Why the core engine and not an HTTP server library.</b> The front runs on the core's
 * non-blocking TCP engine (the one the RTMP router uses) rather than on Netty, Undertow or
 * Jetty. What this front must guarantee is about bytes and bounds, not about HTTP features: a
 * request head parsed in place with hard byte/field/time bounds and the smuggling rules of
 * RFC 9112 (no obs-fold, no bare CR, no Transfer-Encoding on requests) enforced before anything
 * is routed; a body spliced from origin to viewer through one bounded buffer per viewer, with
 * the origin read only as fast as the viewer drains and a stalled viewer closed after a
 * timeout. The JDK's {@code com.sun.net.httpserver} is thread-per-exchange for streamed bodies
 * and accepts obs-fold; the libraries would each add a dependency tree (forbidden for library
 * modules without a measured reason) to get the same splice loop we must write for RTMP anyway.
 * One engine also means one set of workers, counters and limits for every TCP protocol.
 *
 * <p>Everything is in non-exported packages except the small builder API.
 */
module dev.originproxy.http {
    requires transitive dev.originproxy.core;
    requires org.slf4j;

    exports dev.originproxy.http;
}
