package dev.originproxy.core.storage;

import dev.originproxy.core.origin.InvalidRegistrationException;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the SRS origin heartbeat ({@code POST /api/v1/srs/register}) and reads/writes the same
 * shape for origins kept in a shared store. Streaming jackson-core only.
 *
 * <p>The heartbeat is a JSON object with {@code ip}, {@code server}, {@code service}, {@code pid}
 * and {@code rtmp[]} required and {@code device_id}, {@code http[]}, {@code api[]},
 * {@code srt[]}, {@code rtc[]} optional; the origin id is {@code server-service-pid}. Unknown
 * fields are ignored, as SRS adds fields between releases.
 *
 * <p>Stateless and thread-safe.
 */
public final class OriginJson {
    /** The largest heartbeat body accepted, in bytes. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16)
                    .maxStringLength(8 * 1024).build())
            .build();

    private OriginJson() {
    }

    /**
     * Parses one heartbeat.
     *
     * @param now the heartbeat time to record
     * @throws InvalidRegistrationException on bad JSON, a missing or ill-typed field, or a bad endpoint
     */
    public static OriginServer parseHeartbeat(byte[] body, Instant now) throws InvalidRegistrationException {
        if (body == null || body.length == 0) {
            throw new InvalidRegistrationException("empty body");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new InvalidRegistrationException("body larger than " + MAX_BODY_BYTES + " bytes");
        }
        String ip = null;
        String server = null;
        String service = null;
        String pid = null;
        String deviceId = null;
        Map<OriginProtocol, List<OriginEndpoint>> endpoints = new EnumMap<>(OriginProtocol.class);
        boolean sawRtmp = false;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRegistrationException("body is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "ip": ip = scalar(p, t, name); break;
                    case "server": server = scalar(p, t, name); break;
                    case "service": service = scalar(p, t, name); break;
                    case "pid": pid = scalar(p, t, name); break;
                    case "device_id": deviceId = scalar(p, t, name); break;
                    case "rtmp": case "http": case "api": case "srt": case "rtc": {
                        OriginProtocol proto = OriginProtocol.valueOf(name.toUpperCase(Locale.ROOT));
                        endpoints.put(proto, endpointList(p, t, name));
                        if (proto == OriginProtocol.RTMP) {
                            sawRtmp = true;
                        }
                        break;
                    }
                    default:
                        p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new InvalidRegistrationException("malformed JSON object");
            }
            if (p.nextToken() != null) {
                throw new InvalidRegistrationException("trailing data after JSON object");
            }
        } catch (IOException e) {
            throw new InvalidRegistrationException("malformed JSON: " + firstLine(e.getMessage()));
        }
        requireField(ip, "ip");
        requireField(server, "server");
        requireField(service, "service");
        requireField(pid, "pid");
        if (!sawRtmp) {
            throw new InvalidRegistrationException("missing field: rtmp");
        }
        if (!looksLikeIp(ip)) {
            throw new InvalidRegistrationException("field ip is not an IP address");
        }
        return new OriginServer(server + "-" + service + "-" + pid, deviceId, ip, endpoints, now);
    }

    private static boolean looksLikeIp(String ip) {
        for (int i = 0; i < ip.length(); i++) {
            char c = ip.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
                    || c == '.' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return ip.indexOf('.') > 0 || ip.indexOf(':') >= 0;
    }

    private static void requireField(String v, String name) throws InvalidRegistrationException {
        if (v == null || v.isBlank()) {
            throw new InvalidRegistrationException("missing field: " + name);
        }
    }

    private static String scalar(JsonParser p, JsonToken t, String name)
            throws IOException, InvalidRegistrationException {
        if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        throw new InvalidRegistrationException("field " + name + " must be a string");
    }

    private static List<OriginEndpoint> endpointList(JsonParser p, JsonToken t, String name)
            throws IOException, InvalidRegistrationException {
        if (t == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (t != JsonToken.START_ARRAY) {
            throw new InvalidRegistrationException("field " + name + " must be an array");
        }
        List<OriginEndpoint> out = new ArrayList<>();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e != JsonToken.VALUE_STRING && e != JsonToken.VALUE_NUMBER_INT) {
                throw new InvalidRegistrationException("field " + name + " must hold strings");
            }
            if (out.size() >= 64) {
                throw new InvalidRegistrationException("field " + name + " has too many entries");
            }
            try {
                out.add(OriginEndpoint.parse(p.getText()));
            } catch (IllegalArgumentException bad) {
                throw new InvalidRegistrationException("field " + name + ": " + bad.getMessage());
            }
        }
        return out;
    }

    /**
     * Writes an origin as JSON: the heartbeat fields plus {@code id} and
     * {@code last_heartbeat_ms}. {@link #read(String)} reads it back.
     */
    public static String write(OriginServer origin) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", origin.id());
            if (origin.deviceId() != null) {
                g.writeStringField("device_id", origin.deviceId());
            }
            g.writeStringField("ip", origin.ip());
            for (OriginProtocol proto : OriginProtocol.values()) {
                g.writeArrayFieldStart(proto.name().toLowerCase(Locale.ROOT));
                for (OriginEndpoint e : origin.endpoints(proto)) {
                    g.writeString(e.toString());
                }
                g.writeEndArray();
            }
            g.writeNumberField("last_heartbeat_ms", origin.lastHeartbeat().toEpochMilli());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * Reads what {@link #write(OriginServer)} wrote.
     *
     * @throws InvalidRegistrationException when the text is not such an object
     */
    public static OriginServer read(String json) throws InvalidRegistrationException {
        String id = null;
        String deviceId = null;
        String ip = null;
        long heartbeat = -1;
        Map<OriginProtocol, List<OriginEndpoint>> endpoints = new EnumMap<>(OriginProtocol.class);
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRegistrationException("origin record is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "id": id = scalar(p, t, name); break;
                    case "device_id": deviceId = scalar(p, t, name); break;
                    case "ip": ip = scalar(p, t, name); break;
                    case "last_heartbeat_ms": heartbeat = p.getValueAsLong(-1); break;
                    case "rtmp": case "http": case "api": case "srt": case "rtc":
                        endpoints.put(OriginProtocol.valueOf(name.toUpperCase(Locale.ROOT)), endpointList(p, t, name));
                        break;
                    default:
                        p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new InvalidRegistrationException("malformed origin record: " + firstLine(e.getMessage()));
        }
        requireField(id, "id");
        requireField(ip, "ip");
        if (heartbeat < 0) {
            throw new InvalidRegistrationException("missing field: last_heartbeat_ms");
        }
        return new OriginServer(id, deviceId, ip, endpoints, Instant.ofEpochMilli(heartbeat));
    }

    static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
