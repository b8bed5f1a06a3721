package dev.originproxy.examples.gateway;

import dev.originproxy.core.balancer.OriginRegistry;
import dev.originproxy.core.relay.DropReason;
import dev.originproxy.core.relay.RelayStats;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.srt.router.SrtRouter;
import dev.originproxy.srt.router.SrtRouterStats;
import dev.originproxy.stun.router.WebRtcRouter;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * The gateway's counters: a {@link SessionListener} on the shared lifecycle (starts and ends per
 * protocol) plus the routers' own statistics, read when asked. Exposed twice from the same values:
 * as the {@link GatewayMetricsMBean} and as Prometheus text ({@link #prometheus()}).
 *
 * <p>Thread-safe.
 */
public final class GatewayMetrics implements GatewayMetricsMBean, SessionListener {
    private final SessionLifecycle lifecycle;
    private final OriginRegistry registry;
    private final WebRtcRouter webrtc;
    private final SrtRouter srt;
    private final BooleanSupplier draining;
    private final LongAdder webrtcStarted = new LongAdder();
    private final LongAdder srtStarted = new LongAdder();
    private final LongAdder webrtcEnded = new LongAdder();
    private final LongAdder srtEnded = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder heartbeats = new LongAdder();

    /**
     * @param lifecycle the lifecycle shared by forwarder and routers (for live counts)
     * @param registry the balancer's origin registry
     * @param webrtc the WebRTC router
     * @param srt the SRT router
     * @param draining whether a shutdown is in progress
     */
    public GatewayMetrics(SessionLifecycle lifecycle, OriginRegistry registry, WebRtcRouter webrtc, SrtRouter srt,
                          BooleanSupplier draining) {
        this.lifecycle = lifecycle;
        this.registry = registry;
        this.webrtc = webrtc;
        this.srt = srt;
        this.draining = draining;
    }

    @Override
    public void onStart(SessionInfo session) {
        (session.protocol() == SessionProtocol.SRT ? srtStarted : webrtcStarted).increment();
    }

    @Override
    public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
        if (reason == EndReason.REFUSED) {
            refused.increment();
        }
        (session.protocol() == SessionProtocol.SRT ? srtEnded : webrtcEnded).increment();
    }

    /** Counts a session refused before any listener accepted it. */
    void refused() {
        refused.increment();
    }

    /** Counts an accepted origin heartbeat. */
    void heartbeat() {
        heartbeats.increment();
    }

    private int live(SessionProtocol p) {
        int n = 0;
        for (SessionInfo s : lifecycle.live()) {
            if (s.protocol() == p) {
                n++;
            }
        }
        return n;
    }

    @Override
    public int getOriginsLive() {
        try {
            return registry.liveOrigins().size();
        } catch (RuntimeException e) {
            // a shared registry that is down: report none rather than fail a scrape
            return 0;
        }
    }

    @Override
    public int getWebRtcSessionsLive() {
        return live(SessionProtocol.WEBRTC);
    }

    @Override
    public int getSrtSessionsLive() {
        return live(SessionProtocol.SRT);
    }

    @Override
    public long getWebRtcSessionsStarted() {
        return webrtcStarted.sum();
    }

    @Override
    public long getSrtSessionsStarted() {
        return srtStarted.sum();
    }

    @Override
    public long getSessionsEnded() {
        return webrtcEnded.sum() + srtEnded.sum();
    }

    @Override
    public long getSessionsRefused() {
        return refused.sum();
    }

    @Override
    public long getWebRtcPacketsIn() {
        return webrtc.relayStats().packetsIn();
    }

    @Override
    public long getWebRtcPacketsOut() {
        return webrtc.relayStats().packetsOut();
    }

    @Override
    public long getWebRtcDropped() {
        return webrtc.relayStats().droppedTotal();
    }

    @Override
    public long getSrtPacketsIn() {
        return srt.stats().relay().packetsIn();
    }

    @Override
    public long getSrtPacketsOut() {
        return srt.stats().relay().packetsOut();
    }

    @Override
    public long getSrtDropped() {
        return srt.stats().relay().droppedTotal();
    }

    @Override
    public long getHeartbeatsAccepted() {
        return heartbeats.sum();
    }

    @Override
    public boolean isDraining() {
        return draining.getAsBoolean();
    }

    /** Every counter in the Prometheus text exposition format (version 0.0.4). */
    public String prometheus() {
        StringBuilder b = new StringBuilder(4096);
        gauge(b, "originproxy_origins_live", "Origins heard from within their TTL.", "", getOriginsLive());
        gauge(b, "originproxy_draining", "1 while a shutdown drains sessions.", "", isDraining() ? 1 : 0);
        header(b, "originproxy_sessions_live", "gauge", "Sessions live now.");
        line(b, "originproxy_sessions_live", "protocol=\"webrtc\"", getWebRtcSessionsLive());
        line(b, "originproxy_sessions_live", "protocol=\"srt\"", getSrtSessionsLive());
        header(b, "originproxy_sessions_started_total", "counter", "Sessions started.");
        line(b, "originproxy_sessions_started_total", "protocol=\"webrtc\"", webrtcStarted.sum());
        line(b, "originproxy_sessions_started_total", "protocol=\"srt\"", srtStarted.sum());
        header(b, "originproxy_sessions_ended_total", "counter", "Sessions ended, whatever the reason.");
        line(b, "originproxy_sessions_ended_total", "protocol=\"webrtc\"", webrtcEnded.sum());
        line(b, "originproxy_sessions_ended_total", "protocol=\"srt\"", srtEnded.sum());
        counter(b, "originproxy_sessions_refused_total", "Sessions refused at start.", getSessionsRefused());
        counter(b, "originproxy_origin_heartbeats_total", "Origin heartbeats accepted.", getHeartbeatsAccepted());

        RelayStats w = webrtc.relayStats();
        SrtRouterStats s = srt.stats();
        header(b, "originproxy_relay_packets_in_total", "counter", "Datagrams received on the router's port.");
        line(b, "originproxy_relay_packets_in_total", "router=\"webrtc\"", w.packetsIn());
        line(b, "originproxy_relay_packets_in_total", "router=\"srt\"", s.relay().packetsIn());
        header(b, "originproxy_relay_packets_out_total", "counter", "Datagrams sent to clients from the router's port.");
        line(b, "originproxy_relay_packets_out_total", "router=\"webrtc\"", w.packetsOut());
        line(b, "originproxy_relay_packets_out_total", "router=\"srt\"", s.relay().packetsOut());
        header(b, "originproxy_relay_open_legs", "gauge", "Upstream sockets open.");
        line(b, "originproxy_relay_open_legs", "router=\"webrtc\"", w.openLegs());
        line(b, "originproxy_relay_open_legs", "router=\"srt\"", s.relay().openLegs());
        header(b, "originproxy_relay_dropped_total", "counter", "Datagrams dropped, by reason.");
        for (DropReason r : DropReason.values()) {
            String reason = r.name().toLowerCase(Locale.ROOT);
            line(b, "originproxy_relay_dropped_total", "router=\"webrtc\",reason=\"" + reason + "\"", w.dropped(r));
            line(b, "originproxy_relay_dropped_total", "router=\"srt\",reason=\"" + reason + "\"", s.relay().dropped(r));
        }
        counter(b, "originproxy_srt_inductions_answered_total", "SRT INDUCTIONs answered by the proxy.",
                s.inductionsAnswered());
        counter(b, "originproxy_srt_handshakes_completed_total", "SRT handshakes the origin accepted.",
                s.handshakesCompleted());
        counter(b, "originproxy_srt_handshakes_rejected_total", "SRT CONCLUSIONs answered with a rejection.",
                s.handshakesRejected());
        counter(b, "originproxy_srt_handshake_timeouts_total", "SRT handshakes the origin did not finish in time.",
                s.handshakeTimeouts());
        return b.toString();
    }

    private static void header(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void line(StringBuilder b, String name, String labels, long value) {
        b.append(name);
        if (!labels.isEmpty()) {
            b.append('{').append(labels).append('}');
        }
        b.append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder b, String name, String help, String labels, long value) {
        header(b, name, "gauge", help);
        line(b, name, labels, value);
    }

    private static void counter(StringBuilder b, String name, String help, long value) {
        header(b, name, "counter", help);
        line(b, name, "", value);
    }
}
