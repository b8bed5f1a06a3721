package dev.originproxy.rtmp.router;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.StreamPlacement;
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
import java.util.concurrent.ConcurrentHashMap;

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

    /**
     * Asserts that {@code played} is what a live player joining {@code source} late gets: per
     * stream, a contiguous run of the source's packets, at least {@code minPackets} in all.
     */
    static void assertContiguousPacketsOf(List<String> source, List<String> played, int minPackets) {
        assertThat(played).as("packets played").hasSizeGreaterThanOrEqualTo(minPackets);
        for (String stream : new String[] {"0,", "1,"}) {
            List<String> src = source.stream().filter(d -> d.startsWith(stream)).toList();
            List<String> got = played.stream().filter(d -> d.startsWith(stream)).toList();
            if (got.isEmpty()) {
                continue;
            }
            int start = src.indexOf(got.get(0));
            assertThat(start).as("first played packet of stream " + stream + " is a source packet").isNotNegative();
            assertThat(src.subList(start, Math.min(src.size(), start + got.size())))
                    .as("stream " + stream + " played in order without a gap").containsExactlyElementsOf(got);
        }
    }

    /** A placement by stream name ({@code StreamKey.stream()}). */
    static final class ByStream implements StreamPlacement {
        final Map<String, OriginServer> byStream = new ConcurrentHashMap<>();

        ByStream put(String stream, OriginServer origin) {
            byStream.put(stream, origin);
            return this;
        }

        @Override
        public OriginServer pick(StreamKey key) {
            OriginServer o = byStream.get(key.stream());
            if (o == null) {
                throw new NoOriginAvailableException("no origin for " + key);
            }
            return o;
        }

        @Override
        public Map<String, String> placements() {
            Map<String, String> m = new java.util.HashMap<>();
            byStream.forEach((k, v) -> m.put(k, v.id()));
            return m;
        }
    }

    /**
     * A tiny HTTP/1.x server for nginx-rtmp's {@code on_publish}/{@code on_play} callbacks: records
     * each request body (the form nginx posts: {@code call=publish&name=...&token=...}) and answers
     * 200 when {@code allow} accepts it, 403 otherwise.
     */
    static final class Callbacks implements AutoCloseable {
        final List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.net.ServerSocket server;
        private final Thread thread;

        Callbacks(java.util.function.Predicate<String> allow) throws java.io.IOException {
            server = new java.net.ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (java.net.Socket s = server.accept()) {
                        s.setSoTimeout(5000);
                        String body = readRequestBody(s.getInputStream());
                        bodies.add(body);
                        String status = allow.test(body) ? "200 OK" : "403 Forbidden";
                        s.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    } catch (java.io.IOException e) {
                        // closed, or a broken request: the next one
                    }
                }
            }, "rtmp-callbacks");
            thread.setDaemon(true);
            thread.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/on_publish";
        }

        private static String readRequestBody(java.io.InputStream in) throws java.io.IOException {
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                head.append((char) b);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            int length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            return new String(in.readNBytes(length), java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    static void awaitFile(Path file, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!Files.exists(file) && System.nanoTime() - end < 0) {
            Thread.sleep(20);
        }
    }
}
