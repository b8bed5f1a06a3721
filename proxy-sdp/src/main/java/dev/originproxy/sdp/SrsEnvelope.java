package dev.originproxy.sdp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.originproxy.sdp.SdpException.Reason;
import dev.originproxy.sdp.internal.StrictUtf8;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The JSON envelope of the SRS legacy WebRTC API ({@code /rtc/v1/publish/}, {@code /rtc/v1/play/}),
 * which carries an SDP as a string field: requests such as
 * {@code {"api":..., "streamurl":"webrtc://host/app/stream", "clientip":..., "sdp":"v=0\r\n...", "tid":...}}
 * and answers such as {@code {"code":0, "server":..., "service":..., "pid":..., "sdp":"...", "sessionid":"..."}}.
 * (The WHIP path of RFC 9725 carries the bare SDP instead.)
 *
 * <p>{@link #parse} unwraps an envelope; {@link #withSdp} rewraps it around another SDP, keeping
 * every other field in order with its JSON type and, for numbers, its exact text; nested objects
 * and arrays are copied. Only Jackson's streaming API is used. Duplicate keys, nesting deeper
 * than {@link #MAX_NESTING_DEPTH}, trailing content and non-object documents are refused.
 *
 * <p>Immutable and thread-safe.
 */
public final class SrsEnvelope {
    /** The default size limit of an envelope: room for a 64 KiB SDP with JSON escaping. */
    public static final int DEFAULT_MAX_LENGTH = 256 * 1024;
    /** The deepest nesting of objects and arrays accepted (the top-level object is depth 1). */
    public static final int MAX_NESTING_DEPTH = 16;

    private static final String SDP = "sdp";
    private static final String STREAM_URL = "streamurl";
    private static final int MAX_MESSAGE_DETAIL = 160;

    // JsonFactory is immutable once built and thread-safe; sharing it shares its symbol tables,
    // which is how Jackson is meant to be used. It holds no state of this module.
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final String text;
    private final JsonToken[] tokens;
    private final String[] texts;
    private final Map<String, Integer> topLevelValues;

    private SrsEnvelope(String text, List<JsonToken> tokens, List<String> texts, Map<String, Integer> topLevelValues) {
        this.text = text;
        this.tokens = tokens.toArray(new JsonToken[0]);
        this.texts = texts.toArray(new String[0]);
        this.topLevelValues = topLevelValues;
    }

    /**
     * Reads an envelope of at most {@link #DEFAULT_MAX_LENGTH} chars.
     *
     * @throws SdpException {@link Reason#TOO_LARGE} or {@link Reason#MALFORMED_ENVELOPE}
     */
    public static SrsEnvelope parse(String json) {
        return parse(json, DEFAULT_MAX_LENGTH);
    }

    /**
     * Reads an envelope of at most {@code maxLength} chars.
     *
     * @throws SdpException {@link Reason#TOO_LARGE} or {@link Reason#MALFORMED_ENVELOPE}
     */
    public static SrsEnvelope parse(String json, int maxLength) {
        Objects.requireNonNull(json, "json");
        if (json.length() > maxLength) {
            throw new SdpException(Reason.TOO_LARGE, "JSON envelope of " + json.length()
                    + " chars exceeds the limit of " + maxLength);
        }
        List<JsonToken> tokens = new ArrayList<>(32);
        List<String> texts = new ArrayList<>(32);
        Map<String, Integer> topLevel = new LinkedHashMap<>();
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("JSON envelope is not an object");
            }
            int depth = 0;
            JsonToken token = parser.currentToken();
            while (token != null) {
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    depth++;
                } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    depth--;
                }
                boolean scalar = token.isScalarValue() || token == JsonToken.FIELD_NAME;
                if (depth == 1 && token == JsonToken.FIELD_NAME) {
                    topLevel.put(parser.currentName(), tokens.size() + 1);
                }
                tokens.add(token);
                texts.add(scalar && token != JsonToken.VALUE_NULL ? parser.getText() : null);
                if (depth == 0) {
                    break;
                }
                token = parser.nextToken();
            }
            if (parser.nextToken() != null) {
                throw malformed("JSON envelope has content after its object");
            }
        } catch (JsonProcessingException e) {
            throw malformed("JSON envelope is not valid JSON: " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            // Reading from a String does no I/O; Jackson's signatures still declare it.
            throw malformed("JSON envelope could not be read: " + oneLine(e.getMessage()));
        }
        return new SrsEnvelope(json, tokens, texts, topLevel);
    }

    /**
     * Reads an envelope from an HTTP body: strict UTF-8, at most {@code maxLength} bytes.
     *
     * @throws SdpException {@link Reason#TOO_LARGE}, {@link Reason#NOT_UTF8} or {@link Reason#MALFORMED_ENVELOPE}
     */
    public static SrsEnvelope parse(byte[] json, int maxLength) {
        return parse(StrictUtf8.decode(Objects.requireNonNull(json, "json"), maxLength, "JSON envelope"), maxLength);
    }

    /** @return the text this envelope was read from */
    public String text() {
        return text;
    }

    /** @return the names of the top-level fields, in document order */
    public List<String> fieldNames() {
        return Collections.unmodifiableList(new ArrayList<>(topLevelValues.keySet()));
    }

    /** @return whether a top-level field {@code name} exists, whatever its type */
    public boolean has(String name) {
        return topLevelValues.containsKey(name);
    }

    /** @return the value of the top-level field {@code name} if it is a JSON string */
    public Optional<String> stringField(String name) {
        Integer at = topLevelValues.get(name);
        return at != null && tokens[at] == JsonToken.VALUE_STRING ? Optional.of(texts[at]) : Optional.empty();
    }

    /** @return the value of the top-level field {@code name} if it is a JSON integer within the range of a long */
    public OptionalLong longField(String name) {
        Integer at = topLevelValues.get(name);
        if (at == null || tokens[at] != JsonToken.VALUE_NUMBER_INT) {
            return OptionalLong.empty();
        }
        BigInteger value = new BigInteger(texts[at]);
        return value.bitLength() < 64 ? OptionalLong.of(value.longValue()) : OptionalLong.empty();
    }

    /** @return the {@code sdp} string field, if present */
    public Optional<String> sdp() {
        return stringField(SDP);
    }

    /**
     * @return the {@code sdp} string field
     * @throws SdpException with {@link Reason#MALFORMED_ENVELOPE} if there is none
     */
    public String requireSdp() {
        return sdp().orElseThrow(() -> malformed("JSON envelope has no string field \"sdp\""));
    }

    /** @return the {@code streamurl} string field of a request, such as {@code webrtc://host/app/stream} */
    public Optional<String> streamUrl() {
        return stringField(STREAM_URL);
    }

    /**
     * Rewraps this envelope around {@code newSdp}: the top-level {@code sdp} value is replaced and
     * every other field is written back in order with its type and exact number text. Without an
     * {@code sdp} field, one is appended as the last field.
     */
    public String withSdp(String newSdp) {
        Objects.requireNonNull(newSdp, "newSdp");
        StringWriter out = new StringWriter(text.length() + newSdp.length() - sdp().map(String::length).orElse(0) + 64);
        Integer sdpAt = topLevelValues.get(SDP);
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            int depth = 0;
            for (int i = 0; i < tokens.length; i++) {
                JsonToken token = tokens[i];
                if (sdpAt != null && i == sdpAt) {
                    skipValueAt(i);
                    generator.writeString(newSdp);
                    i = skipValueAt(i);
                    continue;
                }
                if (token == JsonToken.END_OBJECT && depth == 1 && sdpAt == null) {
                    generator.writeFieldName(new SerializedString(SDP));
                    generator.writeString(newSdp);
                }
                depth = write(generator, token, texts[i], depth);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a StringWriter failed", e);
        }
        return out.toString();
    }

    // Returns the index of the last token of the value starting at index start.
    private int skipValueAt(int start) {
        JsonToken token = tokens[start];
        if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
            return start;
        }
        int depth = 0;
        int i = start;
        do {
            JsonToken t = tokens[i];
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                depth--;
            }
            i++;
        } while (depth > 0);
        return i - 1;
    }

    private static int write(JsonGenerator generator, JsonToken token, String value, int depth) throws IOException {
        switch (token) {
            case START_OBJECT:
                generator.writeStartObject();
                return depth + 1;
            case END_OBJECT:
                generator.writeEndObject();
                return depth - 1;
            case START_ARRAY:
                generator.writeStartArray();
                return depth + 1;
            case END_ARRAY:
                generator.writeEndArray();
                return depth - 1;
            case FIELD_NAME:
                generator.writeFieldName(value);
                return depth;
            case VALUE_STRING:
                generator.writeString(value);
                return depth;
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                // The original text, so 1.50 stays 1.50 and large integers keep every digit.
                generator.writeNumber(value);
                return depth;
            case VALUE_TRUE:
                generator.writeBoolean(true);
                return depth;
            case VALUE_FALSE:
                generator.writeBoolean(false);
                return depth;
            case VALUE_NULL:
                generator.writeNull();
                return depth;
            default:
                throw new IllegalStateException("unexpected JSON token " + token);
        }
    }

    private static SdpException malformed(String message) {
        return new SdpException(Reason.MALFORMED_ENVELOPE, message);
    }

    // Jackson's messages may quote input; keep them on one line and short.
    private static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        StringBuilder out = new StringBuilder(Math.min(message.length(), MAX_MESSAGE_DETAIL));
        for (int i = 0; i < message.length() && out.length() < MAX_MESSAGE_DETAIL; i++) {
            char c = message.charAt(i);
            out.append(c < ' ' || c == 0x7F ? ' ' : c);
        }
        return out.toString();
    }
}
