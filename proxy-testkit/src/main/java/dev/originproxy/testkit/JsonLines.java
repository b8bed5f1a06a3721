package dev.originproxy.testkit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads the peers' stdout protocol: one JSON object per line with an {@code "event"} field, e.g.
 * {@code {"event":"result","rtpSent":60,"echoes":5,"location":"..."}}. Scalar fields are kept;
 * nested arrays and objects are kept as their raw JSON text.
 */
public final class JsonLines {

    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonLines() {
    }

    /**
     * Parses one line.
     *
     * @param line a line of output
     * @return the event, or empty when the line is not a JSON object with a string "event" field
     */
    public static Optional<Event> parse(String line) {
        String trimmed = line.strip();
        if (!trimmed.startsWith("{")) {
            return Optional.empty();
        }
        try (JsonParser p = FACTORY.createParser(trimmed)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                fields.put(name, scalarOrRaw(p, v, trimmed));
            }
            if (t != JsonToken.END_OBJECT || !(fields.get("event") instanceof String)) {
                return Optional.empty();
            }
            return Optional.of(new Event(trimmed, Collections.unmodifiableMap(fields)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Object scalarOrRaw(JsonParser p, JsonToken v, String text) throws IOException {
        switch (v) {
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            case START_ARRAY:
            case START_OBJECT:
                int start = (int) p.currentTokenLocation().getCharOffset();
                p.skipChildren();
                int end = (int) p.currentTokenLocation().getCharOffset() + 1;
                return new RawJson(text.substring(start, end));
            default:
                throw new IOException("unexpected token " + v);
        }
    }

    /**
     * @param event an event name such as {@code "ready"}
     * @return a predicate for {@link ExternalProcess#waitForLine(Predicate, Duration)} matching that
     *         event's line
     */
    public static Predicate<String> isEvent(String event) {
        return new Predicate<>() {
            @Override
            public boolean test(String line) {
                return parse(line).map(e -> e.name().equals(event)).orElse(false);
            }

            @Override
            public String toString() {
                return "{\"event\":\"" + event + "\"}";
            }
        };
    }

    /**
     * Waits for a peer's event and fails fast when the peer reports {@code "error"} instead.
     *
     * @param process  the peer process
     * @param event    the awaited event name (e.g. {@code "result"})
     * @param deadline how long to wait at most
     * @return the event
     * @throws AssertionError with the peer's log on an error event, an early exit or the deadline
     */
    public static Event await(ExternalProcess process, String event, Duration deadline) {
        Predicate<String> wanted = isEvent(event);
        Predicate<String> error = isEvent("error");
        String line = process.waitForLine(new Predicate<>() {
            @Override
            public boolean test(String l) {
                return wanted.test(l) || error.test(l);
            }

            @Override
            public String toString() {
                return wanted + " (or an error event)";
            }
        }, deadline);
        Event e = parse(line).orElseThrow();
        if (e.name().equals("error") && !event.equals("error")) {
            throw new AssertionError(process.name() + " reported an error instead of '" + event + "': "
                    + e.string("reason") + "\n" + process.logBlock());
        }
        return e;
    }

    /**
     * Every numeric value of a field with the given name anywhere in a JSON document (any depth),
     * e.g. all {@code "rtpReceived"} counters of an origin's {@code /stats}.
     *
     * @param json  a JSON document
     * @param field the field name
     * @return the values, in document order
     */
    public static List<Long> numbersNamed(String json, String field) {
        List<Long> out = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(json)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME && field.equals(p.currentName())) {
                    if (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                        out.add(p.getLongValue());
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + json, e);
        }
        return out;
    }

    /** A nested array or object kept as JSON text. */
    public record RawJson(String json) {
        @Override
        public String toString() {
            return json;
        }
    }

    /**
     * One parsed line.
     *
     * @param line   the original line
     * @param fields the top-level fields (String, Long, Double, Boolean, {@link RawJson} or null)
     */
    public record Event(String line, Map<String, Object> fields) {

        /** @return the value of the "event" field */
        public String name() {
            return (String) fields.get("event");
        }

        /**
         * @param field a field name
         * @return whether the field is present (even if null)
         */
        public boolean has(String field) {
            return fields.containsKey(field);
        }

        /**
         * @param field a field name
         * @return the field's text (numbers and booleans converted), or null when absent or null
         */
        public String string(String field) {
            Object v = fields.get(field);
            return v == null ? null : v.toString();
        }

        /**
         * @param field a numeric field
         * @return its value
         * @throws AssertionError when the field is missing or not an integer
         */
        public long longValue(String field) {
            Object v = fields.get(field);
            if (!(v instanceof Long l)) {
                throw new AssertionError("field '" + field + "' is not an integer in " + line);
            }
            return l;
        }

        /**
         * @param field a numeric field that fits an int
         * @return its value
         * @throws AssertionError when the field is missing or not an integer
         */
        public int intValue(String field) {
            return Math.toIntExact(longValue(field));
        }

        /**
         * @param field a boolean field
         * @return its value
         * @throws AssertionError when the field is missing or not a boolean
         */
        public boolean booleanValue(String field) {
            Object v = fields.get(field);
            if (!(v instanceof Boolean b)) {
                throw new AssertionError("field '" + field + "' is not a boolean in " + line);
            }
            return b;
        }
    }
}
