package dev.originproxy.examples.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Turns one log event into one line, in one of two formats:
 *
 * <pre>
 * text: 2026-12-01T10:00:00.123Z [main] INFO Gateway - session start protocol=srt id=srt-1 stream=...
 * json: {"time":"2026-12-01T10:00:00.123Z","level":"INFO","logger":"dev.originproxy...Gateway",
 *        "thread":"main","message":"session start","protocol":"srt","id":"srt-1",...}
 * </pre>
 *
 * <p>Text is the default and what a person reads in a terminal (the layout slf4j-simple had);
 * JSON is one object per line, what SRS's own JSON logs and log shippers (Fluent Bit, Vector,
 * Loki) take without a parser. Key-value pairs of the fluent API become {@code key=value} in text
 * and top-level fields in JSON (numbers stay numbers). A throwable's stack trace is appended as
 * further lines in text and as the {@code "error"} field in JSON, so a JSON line never breaks.
 *
 * <p>Stateless and thread-safe.
 */
final class LogLineWriter {
    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT).withZone(ZoneId.systemDefault());
    /** Reserved JSON fields a key-value pair cannot overwrite (it is written as {@code kv_<key>}). */
    private static final List<String> RESERVED = List.of("time", "level", "logger", "thread", "message", "error");

    private final boolean json;

    /** @param json one JSON object per line instead of text */
    LogLineWriter(boolean json) {
        this.json = json;
    }

    /** The line for one event, without the line terminator. */
    String line(long epochMillis, Level level, String logger, String thread, String message,
                List<KeyValuePair> pairs, Throwable error) {
        String time = TIME.format(Instant.ofEpochMilli(epochMillis));
        return json ? json(time, level, logger, thread, message, pairs, error)
                : text(time, level, logger, thread, message, pairs, error);
    }

    private static String text(String time, Level level, String logger, String thread, String message,
                               List<KeyValuePair> pairs, Throwable error) {
        StringBuilder b = new StringBuilder(96 + message.length());
        b.append(time).append(" [").append(thread).append("] ").append(level).append(' ')
                .append(logger.substring(logger.lastIndexOf('.') + 1)).append(" - ").append(message);
        if (pairs != null) {
            for (KeyValuePair p : pairs) {
                b.append(' ').append(p.key).append('=').append(p.value);
            }
        }
        if (error != null) {
            b.append(System.lineSeparator()).append(stackTrace(error).stripTrailing());
        }
        return b.toString();
    }

    private static String json(String time, Level level, String logger, String thread, String message,
                               List<KeyValuePair> pairs, Throwable error) {
        StringWriter out = new StringWriter(160 + message.length());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", time);
            g.writeStringField("level", level.toString());
            g.writeStringField("logger", logger);
            g.writeStringField("thread", thread);
            g.writeStringField("message", message);
            if (pairs != null) {
                for (KeyValuePair p : pairs) {
                    String key = RESERVED.contains(p.key) ? "kv_" + p.key : p.key;
                    Object v = p.value;
                    if (v == null) {
                        g.writeNullField(key);
                    } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
                        g.writeNumberField(key, ((Number) v).longValue());
                    } else if (v instanceof Double || v instanceof Float) {
                        g.writeNumberField(key, ((Number) v).doubleValue());
                    } else if (v instanceof Boolean bool) {
                        g.writeBooleanField(key, bool);
                    } else {
                        g.writeStringField(key, v.toString());
                    }
                }
            }
            if (error != null) {
                g.writeStringField("error", stackTrace(error));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
