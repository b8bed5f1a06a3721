package dev.originproxy.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ExternalProcessTest {

    private static List<String> node(String script) {
        return List.of(Tools.require("node").toString(), "-e", script);
    }

    @Test
    void capturesStdoutAndStderrInMemoryAndInTheLogFile() throws Exception {
        try (ExternalProcess p = ExternalProcess.start("echo",
                node("console.log(JSON.stringify({event:'ready',port:1234})); console.error('to stderr')"))) {
            JsonLines.Event ready = JsonLines.await(p, "ready", Duration.ofSeconds(10));
            assertThat(ready.intValue("port")).isEqualTo(1234);
            assertThat(p.waitForLine(Pattern.compile("^to std"), Duration.ofSeconds(10))).isEqualTo("to stderr");
            assertThat(p.waitForExit(Duration.ofSeconds(10))).isZero();
            p.close();
            assertThat(p.logFile()).startsWith(java.nio.file.Path.of("target", "peer-logs"));
            assertThat(Files.readString(p.logFile())).contains("{\"event\":\"ready\",\"port\":1234}", "err| to stderr");
        }
    }

    @Test
    void waitForLineFailsWithTheLogWhenTheProcessExitsFirst() {
        try (ExternalProcess p = ExternalProcess.start("quitter", node("console.log('bye'); process.exit(7)"))) {
            assertThatThrownBy(() -> p.waitForLine(l -> l.contains("never"), Duration.ofSeconds(10)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("quitter ended (exit code 7)")
                    .hasMessageContaining("bye");
        }
    }

    @Test
    void waitForLineFailsAtTheDeadlineAndCloseEndsTheProcess() {
        ExternalProcess p = ExternalProcess.start("sleeper", node("console.log('up'); setInterval(() => {}, 1000)"));
        try {
            assertThatThrownBy(() -> p.waitForLine(l -> l.contains("never"), Duration.ofMillis(700)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("within PT0.7S")
                    .hasMessageContaining("still running");
        } finally {
            p.close();
        }
        assertThat(p.isAlive()).isFalse();
    }

    @Test
    void errorEventFailsJsonLinesAwaitFast() {
        try (ExternalProcess p = ExternalProcess.start("failing",
                node("console.log(JSON.stringify({event:'error',reason:'ICE failed'})); setInterval(() => {}, 1000)"))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> JsonLines.await(p, "result", Duration.ofSeconds(20)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("ICE failed");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void jsonLinesKeepsScalarsAndRawNestedValues() {
        JsonLines.Event e = JsonLines.parse("{\"event\":\"answer\",\"status\":201,\"ok\":true,\"candidates\":[\"127.0.0.1 5000 host\"],\"location\":null}")
                .orElseThrow();
        assertThat(e.name()).isEqualTo("answer");
        assertThat(e.intValue("status")).isEqualTo(201);
        assertThat(e.booleanValue("ok")).isTrue();
        assertThat(e.string("candidates")).isEqualTo("[\"127.0.0.1 5000 host\"]");
        assertThat(e.has("location")).isTrue();
        assertThat(e.string("location")).isNull();
        assertThat(JsonLines.parse("[2026] log line")).isEmpty();
        assertThat(JsonLines.parse("{\"no\":\"event\"}")).isEmpty();
        assertThat(JsonLines.numbersNamed("{\"sessions\":[{\"rtpReceived\":3},{\"rtpReceived\":60}]}", "rtpReceived"))
                .containsExactly(3L, 60L);
    }

    @Test
    void toolsNameTheDebianPackageOfAMissingExecutable() {
        assertThatThrownBy(() -> Tools.require("/nonexistent/srt-live-transmit"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("apt-get install -y srt-tools");
        assertThat(FreePorts.tcp()).isBetween(1, 65535);
        assertThat(FreePorts.udp()).isBetween(1, 65535);
    }
}
