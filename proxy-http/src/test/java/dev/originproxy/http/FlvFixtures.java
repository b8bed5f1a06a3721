package dev.originproxy.http;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.testkit.ExternalProcess;
import dev.originproxy.testkit.Tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Real media for the HTTP-FLV end-to-end tests: an FLV file made by ffmpeg, origins registered. */
final class FlvFixtures {
    private FlvFixtures() {
    }

    /**
     * A 4 s H.264 + AAC FLV made by ffmpeg (test pattern and a tone), 25 fps with a key frame
     * every second.
     */
    static Path makeFlv(Path dir, int seconds, String videoBitrate) {
        Path out = dir.resolve("fixture-" + seconds + "s-" + videoBitrate + ".flv");
        if (Files.exists(out)) {
            return out;
        }
        try (ExternalProcess ffmpeg = ExternalProcess.start("ffmpeg-fixture", List.of(
                Tools.require("ffmpeg").toString(), "-hide_banner", "-nostdin", "-y",
                "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                "-t", Integer.toString(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
                "-b:v", videoBitrate, "-maxrate", videoBitrate, "-bufsize", videoBitrate, "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-f", "flv", out.toString()))) {
            int exit = ffmpeg.waitForExit(Duration.ofSeconds(60));
            if (exit != 0) {
                throw new AssertionError("ffmpeg could not make the fixture\n" + ffmpeg.log());
            }
        }
        return out;
    }

    static void register(MemoryLoadBalancer balancer, String id, int httpPort) {
        balancer.registry().register(new OriginServer(id, id, "127.0.0.1",
                Map.of(OriginProtocol.HTTP, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, null, httpPort))),
                Instant.now()));
    }
}
