/**
 * The parts of the WHIP/WHEP forwarder, one job each: which endpoint a request names
 * ({@link dev.originproxy.sdp.whip.internal.SignallingEndpoint}), offers
 * ({@link dev.originproxy.sdp.whip.internal.OfferHandler}), PATCH and DELETE on a session resource
 * ({@link dev.originproxy.sdp.whip.internal.SessionResourceHandler}), the HTTP client towards
 * origins ({@link dev.originproxy.sdp.whip.internal.OriginClient}), what of an origin's answer may
 * reach a client ({@link dev.originproxy.sdp.whip.internal.OriginAnswers}) and the lifecycle of
 * started sessions ({@link dev.originproxy.sdp.whip.internal.SessionSweeper}). Not exported.
 */
package dev.originproxy.sdp.whip.internal;
