package dev.originproxy.examples.gateway;

import dev.originproxy.core.balancer.OriginRegistry;
import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.api.RelayStats;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.http.HttpFront;
import dev.originproxy.http.HlsFrontStats;
import dev.originproxy.http.HttpFrontStats;
import dev.originproxy.core.relay.api.TcpCloseReason;
import dev.originproxy.rtmp.router.RtmpDropReason;
import dev.originproxy.rtmp.router.RtmpRouter;
import dev.originproxy.rtmp.router.RtmpRouterStats;
import dev.originproxy.rtmp.router.RtmpSessionView;
import dev.originproxy.sdp.http.GuardedHttpServer;
import dev.originproxy.srt.router.SrtRouter;
import dev.originproxy.srt.router.SrtRouterStats;
import dev.originproxy.stun.router.WebRtcRouter;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Set;
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
    private final HttpFront http;
    private final BooleanSupplier draining;
    private volatile RtmpRouter rtmp;
    private volatile GuardedHttpServer httpApi;
    private volatile GuardedHttpServer systemApi;
    private final EnumMap<SessionProtocol, LongAdder> started = adders();
    private final EnumMap<SessionProtocol, LongAdder> ended = adders();
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
     * @param http the HTTP streaming front
     * @param draining whether a shutdown is in progress
     */
    public GatewayMetrics(SessionLifecycle lifecycle, OriginRegistry registry, WebRtcRouter webrtc, SrtRouter srt,
                          HttpFront http, BooleanSupplier draining) {
        this.lifecycle = lifecycle;
        this.registry = registry;
        this.webrtc = webrtc;
        this.srt = srt;
        this.http = http;
        this.draining = draining;
    }

    private static EnumMap<SessionProtocol, LongAdder> adders() {
        EnumMap<SessionProtocol, LongAdder> m = new EnumMap<>(SessionProtocol.class);
        for (SessionProtocol p : SessionProtocol.values()) {
            m.put(p, new LongAdder());
        }
        return m;
    }

    @Override
    public void onStart(SessionInfo session) {
        if (session.protocol() == SessionProtocol.SRT) {
            srtStarted.increment();
        } else if (session.protocol() == SessionProtocol.WEBRTC) {
            webrtcStarted.increment();
        }
        started.get(session.protocol()).increment();
    }

    @Override
    public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
        if (reason == EndReason.REFUSED) {
            refused.increment();
        }
        if (session.protocol() == SessionProtocol.SRT) {
            srtEnded.increment();
        } else if (session.protocol() == SessionProtocol.WEBRTC) {
            webrtcEnded.increment();
        }
        ended.get(session.protocol()).increment();
    }

    /** The RTMP router whose counters {@link #prometheus()} reports (set once while the gateway starts). */
    void rtmp(RtmpRouter router) {
        this.rtmp = router;
    }

    /** The two HTTP APIs whose guard counters {@link #prometheus()} reports (set once while the gateway starts). */
    void apis(GuardedHttpServer httpApi, GuardedHttpServer systemApi) {
        this.httpApi = httpApi;
        this.systemApi = systemApi;
    }

    /** The RTMP sessions live now (placing, connecting or relaying), for the sessions view. */
    List<RtmpSessionView> rtmpSessions() {
        RtmpRouter r = rtmp;
        return r == null ? List.of() : r.sessions();
    }

    /** Counts a session refused before any listener accepted it. */
    void refused() {
        refused.increment();
    }

    /** Counts an accepted origin heartbeat. */
    void heartbeat() {
        heartbeats.increment();
    }

    /** Live sessions of the given protocols, for the sessions view. */
    List<SessionInfo> liveSessions(Set<SessionProtocol> protocols) {
        List<SessionInfo> out = new ArrayList<>();
        for (SessionInfo s : lifecycle.live()) {
            if (protocols.contains(s.protocol())) {
                out.add(s);
            }
        }
        return out;
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
        long n = 0;
        for (LongAdder a : ended.values()) {
            n += a.sum();
        }
        return n;
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
        for (SessionProtocol p : SessionProtocol.values()) {
            line(b, "originproxy_sessions_live", protocolLabel(p), live(p));
        }
        header(b, "originproxy_sessions_started_total", "counter", "Sessions started.");
        for (SessionProtocol p : SessionProtocol.values()) {
            line(b, "originproxy_sessions_started_total", protocolLabel(p), started.get(p).sum());
        }
        header(b, "originproxy_sessions_ended_total", "counter", "Sessions ended, whatever the reason.");
        for (SessionProtocol p : SessionProtocol.values()) {
            line(b, "originproxy_sessions_ended_total", protocolLabel(p), ended.get(p).sum());
        }
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
        httpFront(b);
        hls(b);
        rtmp(b);
        trust(b);
        return b.toString();
    }

    /** Issue 12's counters: what the HTTP APIs' guards refused, and STUN replays. */
    private void trust(StringBuilder b) {
        counter(b, "originproxy_webrtc_binding_replays_refused_total",
                "STUN binding requests with valid integrity refused because their transaction id came from another address.",
                webrtc.replaysRefused());
        GuardedHttpServer h = httpApi;
        GuardedHttpServer sys = systemApi;
        if (h == null || sys == null) {
            return;
        }
        header(b, "originproxy_api_refused_total", "counter",
                "Requests on PROXY_HTTP_API and PROXY_SYSTEM_API refused before a handler, by reason.");
        apiLines(b, "http_api", h);
        apiLines(b, "system_api", sys);
        gauge(b, "originproxy_api_open_connections", "Connections open on the HTTP APIs.", "",
                h.openConnections() + sys.openConnections());
    }

    private static void apiLines(StringBuilder b, String api, GuardedHttpServer s) {
        line(b, "originproxy_api_refused_total", "api=\"" + api + "\",reason=\"timeout\"", s.timedOut());
        line(b, "originproxy_api_refused_total", "api=\"" + api + "\",reason=\"connection_limit\"", s.refusedConnections());
        line(b, "originproxy_api_refused_total", "api=\"" + api + "\",reason=\"busy\"", s.overloaded());
        line(b, "originproxy_api_refused_total", "api=\"" + api + "\",reason=\"malformed\"", s.malformed());
    }

    private static String protocolLabel(SessionProtocol p) {
        return "protocol=\"" + p.name().toLowerCase(Locale.ROOT) + "\"";
    }

    private void httpFront(StringBuilder b) {
        HttpFrontStats h = http.stats();
        counter(b, "originproxy_http_requests_total", "Request heads received on PROXY_HTTP_SERVER.", h.requests());
        header(b, "originproxy_http_responses_total", "counter", "Responses by status class.");
        line(b, "originproxy_http_responses_total", "class=\"2xx\"", h.responses2xx());
        line(b, "originproxy_http_responses_total", "class=\"4xx\"", h.responses4xx());
        line(b, "originproxy_http_responses_total", "class=\"5xx\"", h.responses5xx());
        header(b, "originproxy_http_refused_total", "counter", "Request heads refused, by reason.");
        h.refusals().forEach((reason, n) ->
                line(b, "originproxy_http_refused_total", "reason=\"" + reason.toLowerCase(Locale.ROOT) + "\"", n));
        counter(b, "originproxy_http_head_timeouts_total", "Connections answered 408 (slow request head).",
                h.headTimeouts());
        header(b, "originproxy_http_relays_total", "counter", "Origin answers relayed, by outcome.");
        h.relays().forEach((outcome, n) ->
                line(b, "originproxy_http_relays_total", "outcome=\"" + outcome.toLowerCase(Locale.ROOT) + "\"", n));
        gauge(b, "originproxy_http_open_connections", "Client and origin connections open on PROXY_HTTP_SERVER.", "",
                h.openConnections());
        gauge(b, "originproxy_http_buffered_bytes", "Bytes queued for slow viewers now.", "", h.bufferedBytes());
    }

    private void rtmp(StringBuilder b) {
        RtmpRouter r = rtmp;
        if (r == null) {
            return;
        }
        RtmpRouterStats s = r.stats();
        counter(b, "originproxy_rtmp_sessions_relayed_total", "RTMP sessions the origin accepted (relay started).",
                s.sessionsStarted());
        header(b, "originproxy_rtmp_messages_total", "counter", "RTMP messages relayed, by direction.");
        line(b, "originproxy_rtmp_messages_total", "from=\"client\"", s.messagesFromClients());
        line(b, "originproxy_rtmp_messages_total", "from=\"origin\"", s.messagesFromOrigins());
        header(b, "originproxy_rtmp_dropped_total", "counter", "RTMP connections dropped before relaying, by reason.");
        for (RtmpDropReason reason : RtmpDropReason.values()) {
            line(b, "originproxy_rtmp_dropped_total", "reason=\"" + reason.name().toLowerCase(Locale.ROOT) + "\"",
                    s.dropped(reason));
        }
        gauge(b, "originproxy_rtmp_open_connections", "Client and origin connections open on PROXY_RTMP_SERVER.", "",
                s.engine().openConnections());
        gauge(b, "originproxy_rtmp_buffered_bytes", "Bytes queued towards slow RTMP peers now.", "",
                s.engine().bufferedBytes());
        header(b, "originproxy_rtmp_bytes_total", "counter", "Bytes through the RTMP router's sockets.");
        line(b, "originproxy_rtmp_bytes_total", "direction=\"in\"", s.engine().bytesIn());
        line(b, "originproxy_rtmp_bytes_total", "direction=\"out\"", s.engine().bytesOut());
        header(b, "originproxy_rtmp_connections_closed_total", "counter", "RTMP router TCP connections closed, by reason.");
        for (TcpCloseReason reason : TcpCloseReason.values()) {
            line(b, "originproxy_rtmp_connections_closed_total",
                    "reason=\"" + reason.name().toLowerCase(Locale.ROOT) + "\"", s.engine().closed(reason));
        }
    }

    private void hls(StringBuilder b) {
        HlsFrontStats h = http.hlsStats();
        gauge(b, "originproxy_hls_viewers", "HLS viewers (session ids) seen within the idle bound on this proxy.", "",
                h.viewersLive());
        counter(b, "originproxy_hls_sessions_created_total", "HLS session ids created by this proxy (new viewers).",
                h.sessionsCreated());
        counter(b, "originproxy_hls_playlists_total", "HLS playlists fetched, rewritten and answered.",
                h.playlistsServed());
        counter(b, "originproxy_hls_media_relayed_total", "HLS segments, parts, init segments and keys relayed.",
                h.mediaRelayed());
        counter(b, "originproxy_hls_unknown_sessions_total", "HLS requests with an unknown session id (404).",
                h.unknownSessions());
        counter(b, "originproxy_hls_refused_total", "New HLS viewers refused at the session or viewer bound (503).",
                h.sessionLimitRefusals() + h.viewersRefusedAtLimit());
        counter(b, "originproxy_hls_origin_errors_total", "HLS playlist fetches the origin failed.", h.originErrors());
        header(b, "originproxy_hls_rewrite_failures_total", "counter", "Origin playlists the rewriter refused.");
        h.rewriteFailures().forEach((reason, n) -> line(b, "originproxy_hls_rewrite_failures_total",
                "reason=\"" + reason.toLowerCase(Locale.ROOT) + "\"", n));
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
