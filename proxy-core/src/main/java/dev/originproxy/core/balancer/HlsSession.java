package dev.originproxy.core.balancer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.originproxy.core.StreamKey;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * One HLS viewer as a playlist rewrite left it for whichever proxy of the fleet receives the
 * viewer's next request: the unguessable id every rewritten URI carries, the stream, and the
 * origin the playlist came from (segments must come from that same origin: another origin's
 * segment numbers do not match). Stored in an {@link HlsSessionStore}.
 *
 * <p>Immutable and thread-safe. {@link #toJson()}/{@link #fromJson(String)} give the form shared
 * stores keep.
 */
public final class HlsSession {
    private static final JsonFactory JSON = new JsonFactory();

    private final String id;
    private final StreamKey streamKey;
    private final String originId;
    private final Instant createdAt;

    /**
     * @param id a well-formed id ({@link HlsSessionIds#isWellFormed})
     * @param originId the origin serving the stream's playlist
     */
    public HlsSession(String id, StreamKey streamKey, String originId, Instant createdAt) {
        if (!HlsSessionIds.isWellFormed(id)) {
            throw new IllegalArgumentException("not an HLS session id: '" + id + "'");
        }
        this.id = id;
        this.streamKey = Objects.requireNonNull(streamKey, "streamKey");
        if (originId == null || originId.isEmpty()) {
            throw new IllegalArgumentException("HLS session originId is empty");
        }
        this.originId = originId;
        // Milliseconds: what the JSON form keeps, so a stored session equals the one created.
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MILLIS);
    }

    /** The id rewritten URIs carry. */
    public String id() {
        return id;
    }

    /** The stream. */
    public StreamKey streamKey() {
        return streamKey;
    }

    /** The origin's id. */
    public String originId() {
        return originId;
    }

    /** When the first playlist of this viewer was rewritten. */
    public Instant createdAt() {
        return createdAt;
    }

    /** The JSON form kept by shared stores. */
    public String toJson() {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("stream", streamKey.toString());
            g.writeStringField("origin_id", originId);
            g.writeNumberField("created_ms", createdAt.toEpochMilli());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * Reads {@link #toJson()}'s form.
     *
     * @throws IllegalArgumentException with a one-line reason when the text is not an HLS session
     */
    public static HlsSession fromJson(String json) {
        String id = null, stream = null, origin = null;
        long created = -1;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("HLS session record is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "id": id = p.getValueAsString(); break;
                    case "stream": stream = p.getValueAsString(); break;
                    case "origin_id": origin = p.getValueAsString(); break;
                    case "created_ms": created = p.getValueAsLong(-1); break;
                    default: p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed HLS session record");
        }
        if (stream == null || created < 0) {
            throw new IllegalArgumentException("HLS session record misses stream or created_ms");
        }
        return new HlsSession(id, StreamKey.parse(stream), origin, Instant.ofEpochMilli(created));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof HlsSession)) {
            return false;
        }
        HlsSession s = (HlsSession) o;
        return s.id.equals(id) && s.streamKey.equals(streamKey) && s.originId.equals(originId)
                && s.createdAt.equals(createdAt);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "HlsSession{" + id + " " + streamKey + " -> " + originId + "}";
    }
}
