package dev.originproxy.examples.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's SLF4J binding: text by default, one JSON object per line with PROXY_LOG_FORMAT=json. */
class GatewayLoggingTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private Logger logger(boolean json, String level) {
        ILoggerFactory f = GatewayLoggingProvider.factory(GatewayLoggingProvider.threshold(level),
                new LogLineWriter(json), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return f.getLogger("dev.originproxy.sessions");
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void writesOneJsonObjectPerLineWithKeyValuePairsAsTypedFields() throws IOException {
        Logger log = logger(true, "info");
        log.atInfo().addKeyValue("protocol", "srt").addKeyValue("bytes_from_client", 1316L)
                .addKeyValue("message", "a pair named like a reserved field").log("session end");
        log.info("origin {} said \"no\"\nand broke a line", "o1");
        log.warn("failed", new IllegalStateException("boom"));
        log.debug("not written at info");

        List<String> lines = lines();
        assertThat(lines).hasSize(3);
        Map<String, Object> first = parse(lines.get(0));
        assertThat(first).containsEntry("level", "INFO").containsEntry("logger", "dev.originproxy.sessions")
                .containsEntry("message", "session end").containsEntry("protocol", "srt")
                .containsEntry("bytes_from_client", 1316L)
                .containsEntry("kv_message", "a pair named like a reserved field")
                .containsKeys("time", "thread");
        assertThat(parse(lines.get(1))).containsEntry("message", "origin o1 said \"no\"\nand broke a line");
        Map<String, Object> third = parse(lines.get(2));
        assertThat(third).containsEntry("level", "WARN");
        assertThat((String) third.get("error")).contains("IllegalStateException: boom", "\tat ");
    }

    @Test
    void writesTextByDefaultWithPairsAsKeyEqualsValue() {
        Logger log = logger(false, "debug");
        log.atInfo().addKeyValue("protocol", "webrtc").addKeyValue("id", "u:f").log("session start");
        log.debug("debug {}", 42);
        log.trace("not written at debug");
        List<String> lines = lines();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}.* \\[.+\\] INFO sessions"
                + " - session start protocol=webrtc id=u:f");
        assertThat(lines.get(1)).endsWith("DEBUG sessions - debug 42");
    }

    @Test
    void offWritesNothing() {
        Logger log = logger(true, "off");
        log.error("nothing");
        assertThat(log.isErrorEnabled()).isFalse();
        assertThat(bytes.size()).isZero();
    }

    @Test
    void levelNamesMapToThresholds() {
        assertThat(GatewayLoggingProvider.threshold("WARN")).isEqualTo(Level.WARN.toInt());
        assertThat(GatewayLoggingProvider.threshold("trace")).isEqualTo(Level.TRACE.toInt());
    }

    /** A flat JSON object; fails unless the line is exactly one object. */
    static Map<String, Object> parse(String line) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(line)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                out.put(name, switch (v) {
                    case VALUE_NUMBER_INT -> p.getLongValue();
                    case VALUE_NULL -> null;
                    case VALUE_TRUE, VALUE_FALSE -> p.getBooleanValue();
                    default -> p.getText();
                });
            }
            assertThat(t).isEqualTo(JsonToken.END_OBJECT);
            assertThat(p.nextToken()).isNull();
        }
        return out;
    }
}
