package dev.originproxy.http;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.FreePorts;
import dev.originproxy.testkit.PeerLogs;
import dev.originproxy.testkit.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP-FLV end to end with real peers: ffmpeg serves an FLV over HTTP ({@code -listen 1}, the
 * real origin), ffmpeg and ffprobe read it through the proxy; the frames (framemd5 of every
 * packet, codec copy) equal those ffmpeg reads from the same kind of origin directly.
 */
@ExtendWith(PeerLogs.class)
class FlvEndToEndTest {
    @TempDir
    static Path dir;
    private static Path flv;

    private final MemoryLoadBalancer balancer = new MemoryLoadBalancer();
    private final SessionLifecycle lifecycle = new SessionLifecycle();
    private final List<ExternalProcess> processes = new ArrayList<>();
    private HttpFront front;

    @BeforeAll
    static void fixture() {
        flv = FlvFixtures.makeFlv(dir, 4, "400k");
    }

    @BeforeEach
    void startProxy() throws IOException {
        front = HttpFront.builder().bind(new InetSocketAddress("127.0.0.1", 0)).workers(1)
                .balancer(balancer).lifecycle(lifecycle).build().start();
    }

    @AfterEach
    void stop() {
        front.close();
        processes.forEach(ExternalProcess::close);
    }

    /** A real HTTP-FLV origin: ffmpeg serving the file once to the first client. */
    private int ffmpegOrigin() {
        return ffmpegOrigin("flv");
    }

    /** A real HTTP origin of {@code format} ({@code flv} or {@code mpegts}), serving one client. */
    private int ffmpegOrigin(String format) {
        int port = FreePorts.tcp();
        String ext = format.equals("flv") ? "flv" : "ts";
        processes.add(ExternalProcess.start("ffmpeg-" + ext + "-origin", List.of(Tools.require("ffmpeg").toString(),
                "-hide_banner", "-nostdin", "-loglevel", "verbose", "-i", flv.toString(), "-c", "copy", "-f", format,
                "-listen", "1", "http://127.0.0.1:" + port + "/live/livestream." + ext)));
        return port;
    }

    /**
     * Runs a reader until it succeeds: the origin listens a moment after it starts, and ffmpeg's
     * {@code -listen 1} serves one client, so readiness is "a read that worked" (deadline 20 s).
     */
    private String readUntilDone(String name, List<String> command, Path output) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try (ExternalProcess p = ExternalProcess.start(name, command)) {
                int exit = p.waitForExit(Duration.ofSeconds(30));
                if (exit == 0) {
                    return output == null ? String.join("\n", p.lines()) : Files.readString(output);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(name + " failed until the deadline (exit " + exit + ")\n" + p.log());
                }
            }
            Thread.sleep(100);
        }
    }

    private List<String> framemd5(String url, Path out) {
        return List.of(Tools.require("ffmpeg").toString(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                "-i", url, "-c", "copy", "-f", "framemd5", out.toString());
    }

    @Test
    void ffmpegReadsFlvThroughTheProxyFrameForFrame() throws Exception {
        int direct = ffmpegOrigin();
        String directFrames = readUntilDone("ffmpeg-direct", framemd5("http://127.0.0.1:" + direct
                + "/live/livestream.flv", dir.resolve("direct.md5")), dir.resolve("direct.md5"));

        int proxied = ffmpegOrigin();
        FlvFixtures.register(balancer, "ffmpeg-origin", proxied);
        String url = "http://127.0.0.1:" + front.localAddress().getPort() + "/live/livestream.flv?token=abc";
        String proxiedFrames = readUntilDone("ffmpeg-via-proxy", framemd5(url, dir.resolve("proxied.md5")),
                dir.resolve("proxied.md5"));

        long packets = proxiedFrames.lines().filter(l -> !l.startsWith("#")).count();
        assertThat(packets).as("video and audio packets read through the proxy").isGreaterThan(250);
        assertThat(proxiedFrames).isEqualTo(directFrames);
        assertThat(front.stats().relays()).containsKey("COMPLETED");
        Eventually.until(Duration.ofSeconds(5), "viewer sessions ended", () -> lifecycle.live().isEmpty());
    }

    @Test
    void ffmpegReadsHttpTsThroughTheProxyFrameForFrame() throws Exception {
        int direct = ffmpegOrigin("mpegts");
        String directFrames = readUntilDone("ffmpeg-ts-direct", framemd5("http://127.0.0.1:" + direct
                + "/live/livestream.ts", dir.resolve("direct-ts.md5")), dir.resolve("direct-ts.md5"));
        int proxied = ffmpegOrigin("mpegts");
        FlvFixtures.register(balancer, "ffmpeg-ts-origin", proxied);
        String url = "http://127.0.0.1:" + front.localAddress().getPort() + "/live/livestream.ts";
        String proxiedFrames = readUntilDone("ffmpeg-ts-via-proxy", framemd5(url, dir.resolve("proxied-ts.md5")),
                dir.resolve("proxied-ts.md5"));
        assertThat(proxiedFrames.lines().filter(l -> !l.startsWith("#")).count()).isGreaterThan(250);
        assertThat(proxiedFrames).isEqualTo(directFrames);
    }

    @Test
    void ffprobeSeesVideoAndAudioThroughTheProxy() throws Exception {
        int port = ffmpegOrigin();
        FlvFixtures.register(balancer, "ffmpeg-origin", port);
        String url = "http://127.0.0.1:" + front.localAddress().getPort() + "/live/livestream.flv";
        String probe = readUntilDone("ffprobe-via-proxy", List.of(Tools.require("ffprobe").toString(),
                "-hide_banner", "-loglevel", "error", "-show_entries", "stream=codec_name,width,height,sample_rate",
                "-of", "compact", url), null);
        assertThat(probe).contains("codec_name=h264|width=640|height=360", "codec_name=aac");
    }
}
