package dev.originproxy.examples.gateway;

import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.core.session.SessionProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

/**
 * One log line when a session starts and one when it ends, carrying the fields of the sessions
 * view ({@code GET /api/v1/sessions}) under the same names: {@code protocol}, {@code id} (for
 * WebRTC the view's public id, never the capability),
 * {@code stream}, {@code direction}, {@code origin}, {@code client}, {@code started_at}, and at
 * the end {@code reason}, {@code duration_ms}, {@code packets_from_client},
 * {@code bytes_from_client}, {@code packets_from_origin}, {@code bytes_from_origin},
 * {@code dropped}. With {@code PROXY_LOG_FORMAT=json} they are fields of the line's object, so a
 * log shipper can join log lines and view rows by {@code id}.
 *
 * <p>Registered last on the lifecycle, so a session refused by an earlier listener (draining)
 * logs neither line. Thread-safe.
 */
final class SessionLog implements SessionListener {
    private static final Logger LOG = LoggerFactory.getLogger("dev.originproxy.sessions");

    private final Clock clock;

    SessionLog(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void onStart(SessionInfo session) {
        if (LOG.isInfoEnabled()) {
            fields(LOG.atInfo(), session).log("session start");
        }
    }

    @Override
    public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        long ms = Math.max(0, Duration.between(session.startedAt(), clock.instant()).toMillis());
        fields(LOG.atInfo(), session)
                .addKeyValue("reason", reason.name().toLowerCase(Locale.ROOT))
                .addKeyValue("duration_ms", ms)
                .addKeyValue("packets_from_client", counters.packetsFromClient())
                .addKeyValue("bytes_from_client", counters.bytesFromClient())
                .addKeyValue("packets_from_origin", counters.packetsFromOrigin())
                .addKeyValue("bytes_from_origin", counters.bytesFromOrigin())
                .addKeyValue("dropped", counters.dropped())
                .log("session end");
    }

    /**
     * The id the sessions view shows: for WebRTC the public id, because the session id is the
     * capability the client DELETEs and PATCHes with and must never reach a log.
     */
    static String viewId(SessionInfo s) {
        return s.protocol() == SessionProtocol.WEBRTC ? WebRtcSession.publicIdOf(s.id()) : s.id();
    }

    private static LoggingEventBuilder fields(LoggingEventBuilder b, SessionInfo s) {
        return b.addKeyValue("protocol", s.protocol().name().toLowerCase(Locale.ROOT))
                .addKeyValue("id", viewId(s))
                .addKeyValue("stream", s.streamKey().toString())
                .addKeyValue("direction", s.direction().name().toLowerCase(Locale.ROOT))
                .addKeyValue("origin", s.originId())
                .addKeyValue("client", s.clientAddress() == null ? null : SystemApi.text(s.clientAddress()))
                .addKeyValue("started_at", s.startedAt().toString());
    }
}
