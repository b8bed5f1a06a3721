package dev.originproxy.rtmp.router;

import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.testkit.ExternalProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Real RTMP peers for the router's tests: ffmpeg and rtmpdump runs, frame digests, origins. */
final class RtmpPeers {
    private RtmpPeers() {
    }

    /** An origin whose only endpoint is RTMP on 127.0.0.1:{@code port}. */
    static OriginServer origin(String id, int port) {
        return new OriginServer(id, null, "127.0.0.1",
                Map.of(OriginProtocol.RTMP, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, "127.0.0.1", port))),
                Instant.now());
    }

    /**
     * A short FLV (H.264 + AAC, key frame every second) made by ffmpeg into {@code dir}: the
     * source every test publishes.
     */
    static Path source(Path dir, int seconds) {
        Path out = dir.resolve("source-" + seconds + "s.flv");
        ExternalProcess p = ExternalProcess.start("ffmpeg-source", List.of("ffmpeg", "-hide_banner", "-nostdin", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                "-t", String.valueOf(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv", out.toString()));
        try (p) {
            assertThat(p.waitForExit(Duration.ofSeconds(60))).as("ffmpeg source\n" + p.log()).isZero();
        }
        assertThat(out).isNotEmptyFile();
        return out;
    }

    /** {@code ffmpeg -re -i source -c copy -f flv url}: a real-time publisher. */
    static ExternalProcess publish(String name, Path source, String url) {
        return ExternalProcess.start(name, List.of("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info",
                "-re", "-i", source.toString(), "-c", "copy", "-f", "flv", url));
    }

    /**
     * The packets of {@code input} as ffmpeg's framemd5 sees them with {@code -c copy}: per
     * packet the stream index, size and MD5 (timestamps left out: a recording starts its clock
     * where it starts).
     */
    static List<String> packetDigests(String input, Duration deadline) {
        ExternalProcess p = ExternalProcess.start("ffmpeg-framemd5", List.of("ffmpeg", "-hide_banner", "-nostdin",
                "-loglevel", "error", "-i", input, "-c", "copy", "-f", "framemd5", "-"));
        try (p) {
            assertThat(p.waitForExit(deadline)).as("framemd5 of " + input + "\n" + p.log()).isZero();
            return digests(p.lines());
        }
    }

    static List<String> digests(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.startsWith("out| ") ? raw.substring(5) : raw;
            if (line.startsWith("#") || line.isBlank() || raw.startsWith("err| ")) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length >= 6) { // side data (new extradata) may follow the MD5
                out.add(f[0].trim() + "," + f[4].trim() + "," + f[5].trim());
            }
        }
        return out;
    }

    static void awaitFile(Path file, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!Files.exists(file) && System.nanoTime() - end < 0) {
            Thread.sleep(20);
        }
    }
}
