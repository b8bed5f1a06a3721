package dev.originproxy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PeerLogs.class)
class NginxRtmpOriginTest {

    private static ExternalProcess publish(String url, int seconds) {
        return ExternalProcess.start("ffmpeg-publish", List.of(Tools.require("ffmpeg").toString(),
                "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                "-t", Integer.toString(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
                "-c:a", "aac", "-f", "flv", url));
    }

    @Test
    void servesRtmpRecordsEveryFrameAndServesHlsOverHttp() throws Exception {
        try (NginxRtmpOrigin origin = NginxRtmpOrigin.builder().recordAll(true).hls(true).start()) {
            assertThat(Files.readString(origin.configFile())).contains("load_module " + NginxRtmpOrigin.RTMP_MODULE,
                    "daemon off;", "record all;", "hls_fragment 1s;");
            ExternalProcess ffmpeg = publish(origin.rtmpUrl("cam1"), 4);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String playlist = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(origin.hlsUrl("cam1")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains(".ts")) {
                    playlist = r.body();
                    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/vnd.apple.mpegurl");
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(playlist).as("HLS playlist from %s", origin.hlsUrl("cam1")).isNotNull().startsWith("#EXTM3U");
            String segment = playlist.lines().filter(l -> l.endsWith(".ts")).findFirst().orElseThrow();
            HttpResponse<byte[]> ts = http.send(HttpRequest.newBuilder(origin.hlsUrl("cam1").resolve(segment)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(ts.statusCode()).isEqualTo(200);
            assertThat(ts.body()[0]).isEqualTo((byte) 0x47); // MPEG-TS sync byte

            assertThat(ffmpeg.waitForExit(Duration.ofSeconds(20))).isZero();
            Path recording = origin.recording("cam1");
            // nginx closes the recording when the publisher has gone.
            origin.awaitPublishEnded("cam1", Duration.ofSeconds(5));
            ExternalProcess probe = ExternalProcess.start("ffprobe", List.of(Tools.require("ffprobe").toString(), "-v", "error",
                    "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames",
                    "-of", "csv=p=0", recording.toString()));
            assertThat(probe.waitForExit(Duration.ofSeconds(20))).isZero();
            assertThat(probe.lines()).contains("100");
        }
    }

    @Test
    void onPublishCallbackSeesTheTokenAndARefusalReachesThePublisher() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer callbacks = HttpServer.create(new InetSocketAddress(FreePorts.loopback(), 0), 0);
        callbacks.createContext("/on_publish", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.add(body);
            exchange.sendResponseHeaders(body.contains("token=good") ? 200 : 403, -1);
            exchange.close();
        });
        callbacks.start();
        try (NginxRtmpOrigin origin = NginxRtmpOrigin.builder()
                .onPublish("http://127.0.0.1:" + callbacks.getAddress().getPort() + "/on_publish").start()) {
            ExternalProcess refused = publish(origin.rtmpUrl("s?token=bad"), 1);
            assertThat(refused.waitForExit(Duration.ofSeconds(20))).isNotZero();
            ExternalProcess accepted = publish(origin.rtmpUrl("s?token=good"), 1);
            assertThat(accepted.waitForExit(Duration.ofSeconds(20))).isZero();
            assertThat(bodies).hasSize(2);
            assertThat(bodies.get(0)).contains("name=s", "token=bad", "app=live");
        } finally {
            callbacks.stop(0);
        }
    }

    @Test
    void masterProcessModeStartsAndCloseFreesThePortAndTheDirectory() throws Exception {
        NginxRtmpOrigin origin = NginxRtmpOrigin.builder().masterProcess(true).application("app1").start();
        int port = origin.rtmpPort();
        Path dir = origin.directory();
        assertThat(origin.rtmpUrl("x")).isEqualTo("rtmp://127.0.0.1:" + port + "/app1/x");
        assertThat(origin.httpPort()).isEqualTo(-1);
        origin.close();
        assertThat(dir).doesNotExist();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(FreePorts.loopback(), port), 500);
            throw new AssertionError("port " + port + " still accepts after close");
        } catch (IOException expected) {
            // refused: nginx is gone
        }
        origin.close();
    }
}
