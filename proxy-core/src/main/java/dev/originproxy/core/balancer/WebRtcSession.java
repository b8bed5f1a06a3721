package dev.originproxy.core.balancer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * One WebRTC session as signalling left it for the routers: the ICE username the client will
 * put in its binding requests ({@code answerUfrag:offerUfrag}), the answer's ice-pwd (the
 * MESSAGE-INTEGRITY key), the stream, the origin and its media address, the direction, when it
 * was created, the proxy resource id (the {@code Location} the client DELETEs) and the origin's
 * own resource location.
 *
 * <p>Immutable and thread-safe. {@link #toJson()}/{@link #fromJson(String)} give the form shared
 * stores keep.
 */
public final class WebRtcSession {
    private static final JsonFactory JSON = new JsonFactory();

    private final String id;
    private final String username;
    private final String icePwd;
    private final StreamKey streamKey;
    private final String originId;
    private final String mediaHost;
    private final int mediaPort;
    private final Direction direction;
    private final Instant createdAt;
    private final String originLocation;

    /**
     * @param id the proxy's resource id of the session
     * @param username {@code answerUfrag:offerUfrag}
     * @param icePwd the answer's ice-pwd
     * @param originMediaAddress the origin's UDP media address (IP literal)
     * @param originLocation the origin's resource URL or path, or null when it gave none
     */
    public WebRtcSession(String id, String username, String icePwd, StreamKey streamKey, String originId,
                         InetSocketAddress originMediaAddress, Direction direction, Instant createdAt,
                         String originLocation) {
        this(id, username, icePwd, streamKey, originId, hostOf(originMediaAddress),
                originMediaAddress.getPort(), direction, createdAt, originLocation);
    }

    private WebRtcSession(String id, String username, String icePwd, StreamKey streamKey, String originId,
                          String mediaHost, int mediaPort, Direction direction, Instant createdAt,
                          String originLocation) {
        this.id = requireText(id, "id");
        this.username = requireText(username, "username");
        if (username.indexOf(':') <= 0) {
            throw new IllegalArgumentException("session username must be answerUfrag:offerUfrag");
        }
        this.icePwd = requireText(icePwd, "icePwd");
        this.streamKey = Objects.requireNonNull(streamKey, "streamKey");
        this.originId = requireText(originId, "originId");
        this.mediaHost = requireText(mediaHost, "mediaHost");
        if (mediaPort <= 0 || mediaPort > 65535) {
            throw new IllegalArgumentException("session media port out of range: " + mediaPort);
        }
        this.mediaPort = mediaPort;
        this.direction = Objects.requireNonNull(direction, "direction");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.originLocation = originLocation;
    }

    /**
     * A non-secret name of this session for views, logs and metrics: the first 16 hex digits of
     * the SHA-256 of {@link #id()}. The id itself is the capability a client DELETEs and PATCHes
     * with, so it is shown to no one but the client that created the session.
     */
    public String publicId() {
        return publicIdOf(id);
    }

    /** The non-secret name of a session id (see {@link #publicId()}). */
    public static String publicIdOf(String id) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    private static String hostOf(InetSocketAddress a) {
        Objects.requireNonNull(a, "originMediaAddress");
        return a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    }

    private static String requireText(String s, String what) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("session " + what + " is empty");
        }
        return s;
    }

    /** The proxy's resource id of this session. */
    public String id() {
        return id;
    }

    /** The ICE username {@code answerUfrag:offerUfrag}. */
    public String username() {
        return username;
    }

    /** The answer's ice-pwd: the short-term MESSAGE-INTEGRITY key of client requests. */
    public String icePwd() {
        return icePwd;
    }

    /** The stream. */
    public StreamKey streamKey() {
        return streamKey;
    }

    /** The origin's id. */
    public String originId() {
        return originId;
    }

    /** The origin's UDP media address (a new instance each call; IP literal, no DNS). */
    public InetSocketAddress originMediaAddress() {
        return new InetSocketAddress(mediaHost, mediaPort);
    }

    /** Publish or play. */
    public Direction direction() {
        return direction;
    }

    /** When signalling created it. */
    public Instant createdAt() {
        return createdAt;
    }

    /** The origin's resource location, or null. */
    public String originLocation() {
        return originLocation;
    }

    /** The same session under new ICE credentials (an ICE restart). */
    public WebRtcSession withCredentials(String newUsername, String newIcePwd) {
        return new WebRtcSession(id, newUsername, newIcePwd, streamKey, originId, mediaHost, mediaPort,
                direction, createdAt, originLocation);
    }

    /** The JSON form kept by shared stores. */
    public String toJson() {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("username", username);
            g.writeStringField("ice_pwd", icePwd);
            g.writeStringField("stream", streamKey.toString());
            g.writeStringField("origin_id", originId);
            g.writeStringField("media_host", mediaHost);
            g.writeNumberField("media_port", mediaPort);
            g.writeStringField("direction", direction.name());
            g.writeNumberField("created_ms", createdAt.toEpochMilli());
            if (originLocation != null) {
                g.writeStringField("origin_location", originLocation);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * Reads {@link #toJson()}'s form.
     *
     * @throws IllegalArgumentException with a one-line reason when the text is not a session
     */
    public static WebRtcSession fromJson(String json) {
        String id = null, username = null, pwd = null, stream = null, origin = null, host = null, loc = null;
        String dir = null;
        int port = -1;
        long created = -1;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("session record is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "id": id = p.getValueAsString(); break;
                    case "username": username = p.getValueAsString(); break;
                    case "ice_pwd": pwd = p.getValueAsString(); break;
                    case "stream": stream = p.getValueAsString(); break;
                    case "origin_id": origin = p.getValueAsString(); break;
                    case "media_host": host = p.getValueAsString(); break;
                    case "media_port": port = p.getValueAsInt(-1); break;
                    case "direction": dir = p.getValueAsString(); break;
                    case "created_ms": created = p.getValueAsLong(-1); break;
                    case "origin_location": loc = p.getValueAsString(); break;
                    default: p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed session record: " + firstLine(e.getMessage()));
        }
        if (stream == null || dir == null || created < 0) {
            throw new IllegalArgumentException("session record misses stream, direction or created_ms");
        }
        return new WebRtcSession(id, username, pwd, StreamKey.parse(stream), origin, host, port,
                Direction.valueOf(dir), Instant.ofEpochMilli(created), loc);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WebRtcSession)) {
            return false;
        }
        WebRtcSession s = (WebRtcSession) o;
        return s.id.equals(id) && s.username.equals(username) && s.icePwd.equals(icePwd)
                && s.streamKey.equals(streamKey) && s.originId.equals(originId) && s.mediaHost.equals(mediaHost)
                && s.mediaPort == mediaPort && s.direction == direction && s.createdAt.equals(createdAt)
                && Objects.equals(s.originLocation, originLocation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, username);
    }

    @Override
    public String toString() {
        return "WebRtcSession{" + id + " " + username + " " + streamKey + " " + direction + " -> " + originId
                + " " + mediaHost + ":" + mediaPort + "}";
    }
}
