package dev.originproxy.examples.gateway;

/**
 * The gateway's counters as a JMX standard MBean ({@code dev.originproxy:type=Gateway}); the same
 * values {@code GET /metrics} prints in the Prometheus text format.
 */
public interface GatewayMetricsMBean {
    /** Origins heard from within their TTL (or the default backend). */
    int getOriginsLive();

    /** WebRTC sessions live now (signalled, relaying or both). */
    int getWebRtcSessionsLive();

    /** SRT sessions live now (handshaking or relaying). */
    int getSrtSessionsLive();

    /** WebRTC sessions started since start. */
    long getWebRtcSessionsStarted();

    /** SRT sessions started since start. */
    long getSrtSessionsStarted();

    /** Sessions of either protocol ended since start. */
    long getSessionsEnded();

    /** Sessions refused since start (listener refusal, shutting down). */
    long getSessionsRefused();

    /** Datagrams received on the WebRTC port. */
    long getWebRtcPacketsIn();

    /** Datagrams sent to clients from the WebRTC port. */
    long getWebRtcPacketsOut();

    /** Datagrams dropped by the WebRTC router, all reasons. */
    long getWebRtcDropped();

    /** Datagrams received on the SRT port. */
    long getSrtPacketsIn();

    /** Datagrams sent to callers from the SRT port. */
    long getSrtPacketsOut();

    /** Datagrams dropped by the SRT router, all reasons. */
    long getSrtDropped();

    /** Origin heartbeats accepted since start. */
    long getHeartbeatsAccepted();

    /** Whether a shutdown is draining the sessions. */
    boolean isDraining();
}
