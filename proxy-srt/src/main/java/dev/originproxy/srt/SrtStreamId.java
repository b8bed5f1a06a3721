package dev.originproxy.srt;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;

/**
 * A parsed SRT stream id (the SID handshake extension, {@code draft-sharabayko-srt} §3.2.1.3),
 * in one of the forms SRT peers and SRS origins use:
 * <ul>
 *   <li>the access-control syntax {@code #!::key=value,key=value} (SRT Access Control
 *       guidelines): {@code r} resource, {@code m} mode ({@code request}, {@code publish},
 *       {@code bidirectional}; {@code request} when absent), {@code h} host, {@code u} user,
 *       {@code s} session, {@code t} type; other keys are kept in order;</li>
 *   <li>a plain resource such as {@code live/livestream} or {@code app/stream?vhost=x};</li>
 *   <li>the empty id ({@link #isEmpty()}): whether to serve it is the router's decision.</li>
 * </ul>
 *
 * <p>Parsing happens once per handshake, so it allocates. Instances are immutable and
 * thread-safe.
 */
public final class SrtStreamId {
    /** Prefix of the access-control syntax. */
    public static final String ACCESS_CONTROL_PREFIX = "#!::";

    /** The {@code m=} mode of an access-control stream id. */
    public enum Mode {
        /** The caller wants to receive (play); the default. */
        REQUEST,
        /** The caller wants to send (publish). */
        PUBLISH,
        /** The caller sends and receives. */
        BIDIRECTIONAL
    }

    private static final SrtStreamId EMPTY =
            new SrtStreamId("", false, null, null, null, null, null, Mode.REQUEST, Map.of());

    private final String text;
    private final boolean accessControl;
    private final String resource;
    private final String host;
    private final String user;
    private final String session;
    private final String type;
    private final Mode mode;
    private final Map<String, String> parameters;

    private SrtStreamId(String text, boolean accessControl, String resource, String host, String user,
            String session, String type, Mode mode, Map<String, String> parameters) {
        this.text = text;
        this.accessControl = accessControl;
        this.resource = resource;
        this.host = host;
        this.user = user;
        this.session = session;
        this.type = type;
        this.mode = mode;
        this.parameters = parameters;
    }

    /**
     * Parses a stream id.
     *
     * @param streamId the decoded SID text; {@code null} or empty gives the empty id
     * @throws InvalidStreamKeyException with a one-line reason when the id is longer than
     *     {@link SrtHandshake#MAX_STREAM_ID_LENGTH} UTF-8 bytes, holds a control character, or is
     *     malformed access-control syntax (an empty item, an item without {@code =}, an empty
     *     key, a duplicate key, an unknown mode)
     */
    public static SrtStreamId parse(String streamId) {
        if (streamId == null || streamId.isEmpty()) {
            return EMPTY;
        }
        if (streamId.getBytes(StandardCharsets.UTF_8).length > SrtHandshake.MAX_STREAM_ID_LENGTH) {
            throw new InvalidStreamKeyException(
                    "stream id longer than " + SrtHandshake.MAX_STREAM_ID_LENGTH + " bytes");
        }
        for (int i = 0; i < streamId.length(); i++) {
            char c = streamId.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidStreamKeyException("control character in stream id at index " + i);
            }
        }
        if (!streamId.startsWith(ACCESS_CONTROL_PREFIX)) {
            return new SrtStreamId(streamId, false, streamId, null, null, null, null, Mode.REQUEST,
                    Map.of());
        }
        Map<String, String> params = new LinkedHashMap<>();
        String body = streamId.substring(ACCESS_CONTROL_PREFIX.length());
        if (!body.isEmpty()) {
            for (String item : body.split(",", -1)) {
                if (item.isEmpty()) {
                    throw new InvalidStreamKeyException("stream id has an empty item");
                }
                int eq = item.indexOf('=');
                if (eq < 0) {
                    throw new InvalidStreamKeyException("stream id item is not key=value: " + item);
                }
                if (eq == 0) {
                    throw new InvalidStreamKeyException("stream id item has an empty key: " + item);
                }
                String key = item.substring(0, eq);
                if (params.putIfAbsent(key, item.substring(eq + 1)) != null) {
                    throw new InvalidStreamKeyException("stream id repeats key " + key);
                }
            }
        }
        return new SrtStreamId(streamId, true, params.get("r"), params.get("h"), params.get("u"),
                params.get("s"), params.get("t"), modeOf(params.get("m")),
                Collections.unmodifiableMap(params));
    }

    private static Mode modeOf(String m) {
        if (m == null) {
            return Mode.REQUEST;
        }
        switch (m) {
            case "request": return Mode.REQUEST;
            case "publish": return Mode.PUBLISH;
            case "bidirectional": return Mode.BIDIRECTIONAL;
            default: throw new InvalidStreamKeyException("unknown stream id mode m=" + m);
        }
    }

    /** {@code true} for an empty stream id (the caller sent no SID, or an empty one). */
    public boolean isEmpty() {
        return text.isEmpty();
    }

    /** {@code true} when the id uses the {@code #!::} access-control syntax. */
    public boolean isAccessControl() {
        return accessControl;
    }

    /**
     * The resource: the {@code r=} value of an access-control id (null when absent), the whole
     * text of a plain id, null for the empty id.
     */
    public String resource() {
        return resource;
    }

    /** The {@code h=} host, or null. */
    public String host() {
        return host;
    }

    /** The {@code u=} user, or null. */
    public String user() {
        return user;
    }

    /** The {@code s=} session, or null. */
    public String session() {
        return session;
    }

    /** The {@code t=} type, or null. */
    public String type() {
        return type;
    }

    /** The {@code m=} mode; {@link Mode#REQUEST} when absent and for plain ids. */
    public Mode mode() {
        return mode;
    }

    /** Every {@code key=value} of an access-control id in wire order, unknown keys included. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /**
     * The stream key this id names, through {@link StreamKey#fromResource(String, String)} with
     * the {@code h=} host (null for plain ids).
     *
     * @throws InvalidStreamKeyException when the id is empty, has no {@code r=}, or its
     *     resource is no valid {@code app/stream}
     */
    public StreamKey toStreamKey() {
        if (isEmpty()) {
            throw new InvalidStreamKeyException("empty stream id");
        }
        if (resource == null) {
            throw new InvalidStreamKeyException("stream id has no resource (r=)");
        }
        return StreamKey.fromResource(host, resource);
    }

    /** The stream id text as received. */
    @Override
    public String toString() {
        return text;
    }
}
