package dev.originproxy.examples.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.api.BearerAuth;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.origin.RegistrationHandler;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.srt.router.SrtRouter;
import dev.originproxy.rtmp.router.RtmpSessionView;
import dev.originproxy.srt.router.SrtSessionView;
import dev.originproxy.stun.router.RtcSessionView;
import dev.originproxy.stun.router.WebRtcRouter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The gateway's system API, the SRS Go proxy's {@code PROXY_SYSTEM_API}: origin heartbeats
 * ({@code POST /api/v1/srs/register}, the core {@link RegistrationHandler}), {@code GET
 * /api/v1/versions}, read-only JSON views of origins, stream placements and sessions, and
 * {@code GET /metrics} in the Prometheus text format. Framework-neutral like the library's own
 * handlers; the gateway mounts it with {@code JdkHttpAdapter}.
 *
 * <p>Thread-safe.
 */
public final class SystemApi {
    private static final JsonFactory JSON = new JsonFactory();
    /** The version of this build, from a resource Maven filters. */
    public static final String VERSION = readVersion();

    private final OriginLoadBalancer balancer;
    private final RegistrationHandler registration;
    private final WebRtcRouter webrtc;
    private final SrtRouter srt;
    private final GatewayMetrics metrics;
    private final BearerAuth auth;
    private final SessionLifecycle lifecycle;
    private final String pid = Long.toString(ProcessHandle.current().pid());

    /**
     * @param balancer the balancer (registry and placements)
     * @param registration the heartbeat handler (it checks {@code auth} itself)
     * @param webrtc the WebRTC router (session view)
     * @param srt the SRT router (session view)
     * @param metrics the counters
     * @param auth the token every view and {@code /metrics} needs, or {@link BearerAuth#none()}
     */
    public SystemApi(OriginLoadBalancer balancer, RegistrationHandler registration, WebRtcRouter webrtc,
                     SrtRouter srt, GatewayMetrics metrics, BearerAuth auth) {
        this(balancer, registration, webrtc, srt, metrics, auth, null);
    }

    /**
     * As above, with the lifecycle the sessions view reads each WebRTC session's start time from.
     *
     * @param balancer the balancer (registry and placements)
     * @param registration the heartbeat handler (it checks {@code auth} itself)
     * @param webrtc the WebRTC router (session view)
     * @param srt the SRT router (session view)
     * @param metrics the counters
     * @param auth the token every view and {@code /metrics} needs, or {@link BearerAuth#none()}
     * @param lifecycle the gateway's session lifecycle, or null (no {@code started_at} for WebRTC)
     */
    public SystemApi(OriginLoadBalancer balancer, RegistrationHandler registration, WebRtcRouter webrtc,
                     SrtRouter srt, GatewayMetrics metrics, BearerAuth auth, SessionLifecycle lifecycle) {
        this.lifecycle = lifecycle;
        this.balancer = balancer;
        this.registration = registration;
        this.webrtc = webrtc;
        this.srt = srt;
        this.metrics = metrics;
        this.auth = auth;
    }

    /** Handles one request; never throws. */
    public ApiResponse handle(ApiRequest req) {
        String path = req.path().endsWith("/") && req.path().length() > 1
                ? req.path().substring(0, req.path().length() - 1) : req.path();
        if (path.equals("/api/v1/srs/register")) {
            ApiResponse r = registration.handle(req);
            if (r.status() == 200) {
                metrics.heartbeat();
            }
            return r;
        }
        boolean known = switch (path) {
            case "/api/v1/versions", "/api/v1/origins", "/api/v1/streams", "/api/v1/sessions", "/metrics" -> true;
            default -> false;
        };
        if (!known) {
            return ApiResponse.error(404, "no such endpoint");
        }
        if (!req.method().equals("GET")) {
            ApiResponse e = ApiResponse.error(405, "method not allowed");
            ApiResponse.Builder b = ApiResponse.builder(405);
            e.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
            return b.header("Allow", "GET").body(e.body()).build();
        }
        if (!path.equals("/api/v1/versions")) {
            var denied = auth.check(req);
            if (denied.isPresent()) {
                return denied.get();
            }
        }
        try {
            switch (path) {
                case "/api/v1/versions": return versions();
                case "/api/v1/origins": return origins();
                case "/api/v1/streams": return streams();
                case "/api/v1/sessions": return sessions();
                default:
                    return ApiResponse.builder(200).header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                            .body(metrics.prometheus()).build();
            }
        } catch (BalancerUnavailableException e) {
            return ApiResponse.error(503, "balancer unavailable: " + e.getMessage());
        }
    }

    /** SRS's answer shape: {@code {"code":0,"server":..,"data":{"major":..,"version":..}}}. */
    private ApiResponse versions() {
        return json(g -> {
            g.writeNumberField("code", 0);
            g.writeStringField("server", "originproxy");
            g.writeStringField("pid", pid);
            g.writeObjectFieldStart("data");
            String[] parts = VERSION.replaceAll("-.*$", "").split("\\.");
            g.writeNumberField("major", part(parts, 0));
            g.writeNumberField("minor", part(parts, 1));
            g.writeNumberField("revision", part(parts, 2));
            g.writeStringField("version", VERSION);
            g.writeEndObject();
        });
    }

    private static int part(String[] parts, int i) {
        try {
            return i < parts.length ? Integer.parseInt(parts[i]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private ApiResponse origins() {
        List<OriginServer> live = balancer.registry().liveOrigins();
        return json(g -> {
            g.writeNumberField("code", 0);
            g.writeStringField("balancer", balancer.name());
            g.writeArrayFieldStart("origins");
            for (OriginServer o : live) {
                g.writeStartObject();
                g.writeStringField("id", o.id());
                g.writeStringField("device_id", o.deviceId());
                g.writeStringField("ip", o.ip());
                g.writeStringField("last_heartbeat", o.lastHeartbeat().toString());
                for (Map.Entry<OriginProtocol, List<OriginEndpoint>> e : o.endpoints().entrySet()) {
                    g.writeArrayFieldStart(e.getKey().name().toLowerCase(Locale.ROOT));
                    for (OriginEndpoint ep : e.getValue()) {
                        g.writeString(ep.toString());
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private ApiResponse streams() {
        Map<String, String> placements = balancer.placement().placements();
        return json(g -> {
            g.writeNumberField("code", 0);
            g.writeArrayFieldStart("streams");
            for (Map.Entry<String, String> e : placements.entrySet()) {
                g.writeStartObject();
                g.writeStringField("stream", e.getKey());
                g.writeStringField("origin", e.getValue());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private ApiResponse sessions() {
        List<RtcSessionView> rtc = webrtc.sessions();
        List<SrtSessionView> srtSessions = srt.sessions();
        // WebRTC views name a session by its public id (the id is the client's capability).
        Map<String, SessionInfo> webrtcStarts = new HashMap<>();
        if (lifecycle != null) {
            for (SessionInfo s : lifecycle.live()) {
                if (s.protocol() == SessionProtocol.WEBRTC) {
                    webrtcStarts.put(WebRtcSession.publicIdOf(s.id()), s);
                }
            }
        }
        return json(g -> {
            g.writeNumberField("code", 0);
            g.writeNumberField("signalled", metrics.getWebRtcSessionsLive());
            g.writeArrayFieldStart("webrtc");
            for (RtcSessionView s : rtc) {
                g.writeStartObject();
                g.writeStringField("id", s.id());
                g.writeStringField("stream", s.stream());
                g.writeStringField("direction", s.direction().name().toLowerCase(Locale.ROOT));
                g.writeStringField("origin", s.originId());
                address(g, "origin_media", s.originMediaAddress());
                g.writeArrayFieldStart("clients");
                for (InetSocketAddress c : s.clients()) {
                    g.writeString(text(c));
                }
                g.writeEndArray();
                SessionInfo info = webrtcStarts.get(s.id());
                if (info != null) {
                    g.writeStringField("started_at", info.startedAt().toString());
                }
                counters(g, s.counters());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("http");
            for (SessionInfo s : metrics.liveSessions(EnumSet.of(SessionProtocol.HTTP_FLV, SessionProtocol.HTTP_TS, SessionProtocol.HLS))) {
                g.writeStartObject();
                g.writeStringField("id", s.id());
                g.writeStringField("stream", s.streamKey().toString());
                g.writeStringField("protocol", s.protocol().name().toLowerCase(Locale.ROOT));
                g.writeStringField("direction", s.direction().name().toLowerCase(Locale.ROOT));
                g.writeStringField("origin", s.originId());
                address(g, "client", s.clientAddress());
                g.writeStringField("started_at", s.startedAt().toString());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("rtmp");
            for (RtmpSessionView s : metrics.rtmpSessions()) {
                g.writeStartObject();
                g.writeStringField("id", s.id());
                g.writeStringField("stream", String.valueOf(s.streamKey()));
                g.writeStringField("direction", s.direction() == null ? null : s.direction().name().toLowerCase(Locale.ROOT));
                g.writeStringField("state", s.state());
                g.writeStringField("origin", s.originId());
                address(g, "client", s.client());
                g.writeStringField("started_at", String.valueOf(s.startedAt()));
                g.writeObjectFieldStart("counters");
                g.writeNumberField("messages_from_client", s.messagesFromClient());
                g.writeNumberField("bytes_from_client", s.bytesFromClient());
                g.writeNumberField("messages_from_origin", s.messagesFromOrigin());
                g.writeNumberField("bytes_from_origin", s.bytesFromOrigin());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("srt");
            for (SrtSessionView s : srtSessions) {
                g.writeStartObject();
                g.writeStringField("id", s.id());
                g.writeStringField("stream", s.stream());
                g.writeStringField("stream_id", s.streamId());
                g.writeStringField("direction", s.direction().name().toLowerCase(Locale.ROOT));
                g.writeStringField("state", s.state().name().toLowerCase(Locale.ROOT));
                g.writeStringField("origin", s.originId());
                address(g, "origin_srt", s.origin());
                address(g, "caller", s.caller());
                g.writeStringField("started_at", s.startedAt().toString());
                counters(g, s.counters());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private static void counters(JsonGenerator g, SessionCounters c) throws IOException {
        g.writeObjectFieldStart("counters");
        g.writeNumberField("packets_from_client", c.packetsFromClient());
        g.writeNumberField("bytes_from_client", c.bytesFromClient());
        g.writeNumberField("packets_from_origin", c.packetsFromOrigin());
        g.writeNumberField("bytes_from_origin", c.bytesFromOrigin());
        g.writeNumberField("dropped", c.dropped());
        g.writeEndObject();
    }

    private static void address(JsonGenerator g, String field, InetSocketAddress a) throws IOException {
        if (a == null) {
            g.writeNullField(field);
        } else {
            g.writeStringField(field, text(a));
        }
    }

    /** {@code ip:port} without a reverse lookup. */
    static String text(InetSocketAddress a) {
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Writes the fields of one JSON object. */
    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static ApiResponse json(Fields fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ApiResponse.builder(200).header("Content-Type", "application/json").body(out.toByteArray()).build();
    }

    private static String readVersion() {
        try (InputStream in = SystemApi.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "0.0.0";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "0.0.0");
        } catch (IOException e) {
            return "0.0.0";
        }
    }
}
