package dev.originproxy.http;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionRefusedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;


class HttpFrontTest {
    private final MemoryLoadBalancer balancer = new MemoryLoadBalancer();
    private final SessionLifecycle lifecycle = new SessionLifecycle();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private HttpFront front;
    private ScriptedOrigin origin;

    @AfterEach
    void tearDown() throws IOException {
        if (front != null) {
            front.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    private void registerOrigin(int httpPort) {
        balancer.registry().register(new OriginServer("origin-1", "dev", "127.0.0.1",
                Map.of(OriginProtocol.HTTP, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, null, httpPort))),
                Instant.now()));
    }

    private HttpFront.Builder builder() {
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onStart(SessionInfo session) {
                events.add("start " + session.protocol() + " " + session.streamKey());
            }

            @Override
            public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
                events.add("end " + session.id() + " " + reason);
            }
        });
        return HttpFront.builder().bind(new InetSocketAddress("127.0.0.1", 0)).workers(1)
                .balancer(balancer).lifecycle(lifecycle);
    }

    private InetSocketAddress proxy() {
        return front.localAddress();
    }

    @Test
    void relaysFlvWithQueryHeadersAndForwardedForThenEndsTheSessionOnce() throws Exception {
        origin = new ScriptedOrigin((head, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write("FLV\u0001 body bytes".getBytes(StandardCharsets.ISO_8859_1));
        });
        registerOrigin(origin.address().getPort());
        front = builder().build().start();
        try (RawClient c = new RawClient(proxy())) {
            c.send("GET /live/livestream.flv?token=a%2Bb HTTP/1.1\r\nHost: 127.0.0.1:18080\r\nUser-Agent: t\r\n"
                    + "Connection: keep-alive, X-Hop\r\nX-Hop: secret\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("video/x-flv");
            assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(r.bodyText()).isEqualTo("FLV\u0001 body bytes");
        }
        String sent = origin.requests.get(0);
        assertThat(sent).startsWith("GET /live/livestream.flv?token=a%2Bb HTTP/1.1\r\n")
                .contains("Host: 127.0.0.1:18080\r\n", "User-Agent: t\r\n", "X-Forwarded-For: 127.0.0.1\r\n",
                        "X-Real-IP: 127.0.0.1\r\n")
                .doesNotContain("X-Hop", "keep-alive");
        Eventually.until(Duration.ofSeconds(5), "condition", () -> events.size() == 2);
        assertThat(events.get(0)).isEqualTo("start " + SessionProtocol.HTTP_FLV + " __defaultVhost__/live/livestream");
        assertThat(events.get(1)).endsWith(EndReason.ORIGIN_CLOSED.name());
        assertThat(lifecycle.live()).isEmpty();
    }

    @Test
    void originErrorPassesWithStatusAndNoOriginAddress() throws Exception {
        origin = new ScriptedOrigin((head, out) -> out.write(("HTTP/1.1 404 stream gone from 127.0.0.1:8080\r\n"
                + "Content-Length: 9\r\nLocation: http://127.0.0.1:8080/x\r\n\r\nnot here\n").getBytes(StandardCharsets.US_ASCII)));
        registerOrigin(origin.address().getPort());
        front = builder().build().start();
        try (RawClient c = new RawClient(proxy())) {
            RawClient.Response r = c.send("GET /live/none.ts HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.head()).doesNotContain("127.0.0.1").startsWith("HTTP/1.1 404 Not Found\r\n");
            assertThat(r.bodyText()).isEqualTo("not here\n");
        }
    }

    @Test
    void skipsInterimResponsesAndRelaysHeadRequests() throws Exception {
        origin = new ScriptedOrigin((head, out) -> {
            out.write("HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write("HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nContent-Length: 3\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (head.startsWith("GET")) {
                out.write("FLV".getBytes(StandardCharsets.US_ASCII));
            }
        });
        registerOrigin(origin.address().getPort());
        front = builder().build().start();
        try (RawClient c = new RawClient(proxy())) {
            RawClient.Response head = c.send("HEAD /live/s.flv HTTP/1.1\r\nHost: a\r\n\r\n").read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("3");
            RawClient.Response get = c.send("GET /live/s.flv HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.bodyText()).isEqualTo("FLV");
        }
        assertThat(origin.requests.get(0)).startsWith("HEAD /live/s.flv HTTP/1.1");
    }

    @Test
    void noOriginIs503UnreachableIs502SlowIs504() throws Exception {
        front = builder().originResponseTimeout(Duration.ofMillis(500)).build().start();
        try (RawClient c = new RawClient(proxy())) {
            RawClient.Response r = c.send("GET /live/s.flv HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.bodyText()).contains("no origin");
        }
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        registerOrigin(closedPort);
        try (RawClient c = new RawClient(proxy())) {
            RawClient.Response r = c.send("GET /live/s.flv HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.bodyText()).doesNotContain(Integer.toString(closedPort));
        }
        origin = new ScriptedOrigin((head, out) -> Thread.sleep(10_000));
        registerOrigin(origin.address().getPort());
        try (RawClient c = new RawClient(proxy())) {
            long t0 = System.nanoTime();
            RawClient.Response r = c.send("GET /live/s.flv HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(504);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
        Eventually.until(Duration.ofSeconds(5), "condition", () -> lifecycle.live().isEmpty());
    }

    @Test
    void refusedViewerGets403() throws Exception {
        origin = new ScriptedOrigin((head, out) -> out.write("HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        registerOrigin(origin.address().getPort());
        HttpFront.Builder b = builder();
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onStart(SessionInfo session) throws SessionRefusedException {
                throw new SessionRefusedException("token expired");
            }
        });
        front = b.build().start();
        try (RawClient c = new RawClient(proxy())) {
            RawClient.Response r = c.send("GET /live/s.flv HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.bodyText()).isEqualTo("token expired\n");
        }
        assertThat(origin.requests).isEmpty();
    }

    @Test
    void answersOptionsAsSrsAndRefusesOtherMethods() throws Exception {
        front = builder().build().start();
        try (RawClient c = new RawClient(proxy())) {
            RawClient.Response r = c.send("OPTIONS /live/s.flv HTTP/1.1\r\nHost: a\r\nOrigin: http://x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(r.header("Access-Control-Allow-Methods")).contains("GET");
            RawClient.Response post = c.send("POST /live/s.flv HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").read();
            assertThat(post.status()).isEqualTo(405);
            assertThat(post.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        }
    }

    @Test
    void refusesHostileHeadsWithClearStatus() throws Exception {
        front = builder().build().start();
        Map<String, Integer> cases = Map.of(
                "GET /live/s.flv HTTP/1.1\r\nHost: a\r\nX: " + "y".repeat(20_000) + "\r\n\r\n", 431,
                "GET /live/s.flv HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                "GET /live/s.flv HTTP/1.1\r\nHost: a\r\nX: a\r\n folded\r\n\r\n", 400,
                "GET /live/s.flv HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400,
                "GET /../../etc/passwd.flv HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                "GET /live/%2e%2e/%2e%2e/x.flv HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414);
        for (Map.Entry<String, Integer> e : cases.entrySet()) {
            try (RawClient c = new RawClient(proxy())) {
                RawClient.Response r = c.send(e.getKey()).read();
                assertThat(r.status()).as(e.getKey().substring(0, 40)).isEqualTo(e.getValue());
                assertThat(r.bodyText()).as("one-line reason").matches("[^\r\n]+\n");
            }
        }
        assertThat(front.stats().refusals()).containsKeys("HEAD_TOO_LARGE", "TRANSFER_ENCODING", "OBS_FOLD", "BARE_CR");
    }

    @Test
    void slowHeadGets408AndClose() throws Exception {
        front = builder().headTimeout(Duration.ofMillis(400)).build().start();
        try (RawClient c = new RawClient(proxy())) {
            c.send("GET /live/s.flv HTTP/1.1\r\nHo");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(front.stats().headTimeouts()).isEqualTo(1);
    }

    @Test
    void servesStaticFilesWithTypesKeepAliveAndNoTraversal(@TempDir Path dir) throws Exception {
        Path site = Files.createDirectories(dir.resolve("site"));
        Files.writeString(site.resolve("index.html"), "<h1>player</h1>");
        Files.writeString(site.resolve("app.js"), "let x = 1;");
        Files.writeString(dir.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(site.resolve("link.txt"), dir.resolve("secret.txt"));
        front = builder().staticFiles(site).build().start();
        try (RawClient c = new RawClient(proxy())) {
            RawClient.Response index = c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(index.status()).isEqualTo(200);
            assertThat(index.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
            assertThat(index.bodyText()).isEqualTo("<h1>player</h1>");
            RawClient.Response js = c.send("GET /app.js HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(js.header("Content-Type")).startsWith("text/javascript");
            RawClient.Response head = c.send("HEAD /app.js HTTP/1.1\r\nHost: a\r\n\r\n").read(true);
            assertThat(head.header("Content-Length")).isEqualTo("10");
            RawClient.Response missing = c.send("GET /nope.html HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(missing.status()).isEqualTo(404);
            RawClient.Response link = c.send("GET /link.txt HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(link.status()).isEqualTo(404);
            assertThat(link.bodyText()).doesNotContain("secret");
        }
        for (String path : List.of("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/.%2e/secret.txt")) {
            try (RawClient c = new RawClient(proxy())) {
                RawClient.Response r = c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
                assertThat(r.status()).as(path).isIn(400, 404);
                assertThat(r.bodyText()).doesNotContain("secret\n").doesNotContain("secret");
            }
        }
    }

    @Test
    void viewerThatStopsReadingIsClosedWhileAnotherKeepsUp() throws Exception {
        byte[] chunk = new byte[16 * 1024];
        origin = new ScriptedOrigin((head, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 100_000; i++) {
                out.write(chunk);
                Thread.sleep(2);
            }
        });
        registerOrigin(origin.address().getPort());
        front = builder().writeStallTimeout(Duration.ofMillis(800)).maxBufferedBytes(256 * 1024).build().start();
        try (RawClient stalled = new RawClient(proxy()); RawClient reader = new RawClient(proxy())) {
            stalled.socket.setReceiveBufferSize(4096);
            stalled.send("GET /live/s.flv HTTP/1.1\r\nHost: a\r\n\r\n");
            reader.send("GET /live/s.flv HTTP/1.1\r\nHost: a\r\n\r\n");
            reader.socket.getInputStream().readNBytes(100);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            long read = 0;
            byte[] buf = new byte[64 * 1024];
            while (!front.stats().relays().containsKey("CLIENT_TOO_SLOW")) {
                assertThat(System.nanoTime()).as("slow viewer dropped in time").isLessThan(deadline);
                read += reader.socket.getInputStream().read(buf);
            }
            long before = read;
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < Duration.ofMillis(500).toNanos()) {
                read += reader.socket.getInputStream().read(buf);
            }
            assertThat(read - before).as("the reading viewer keeps receiving").isGreaterThan(64 * 1024);
            assertThat(front.stats().bufferedBytes()).isLessThan(2 * 1024 * 1024);
        }
        Eventually.until(Duration.ofSeconds(5), "condition", () -> lifecycle.live().isEmpty());
        assertThat(events).anyMatch(e -> e.endsWith(EndReason.IDLE_TIMEOUT.name()));
    }

    @Test
    void keepsAliveAfterAContentLengthRelayAndServesPipelinedRequestsInOrder() throws Exception {
        origin = new ScriptedOrigin((head, out) -> {
            String path = head.substring(4, head.indexOf(' ', 4));
            String body = "segment " + path;
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        });
        registerOrigin(origin.address().getPort());
        front = builder().build().start();
        try (RawClient c = new RawClient(proxy())) {
            c.send("GET /live/a.ts HTTP/1.1\r\nHost: a\r\n\r\nGET /live/b.ts HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.read().bodyText()).isEqualTo("segment /live/a.ts");
            assertThat(c.read().bodyText()).isEqualTo("segment /live/b.ts");
            assertThat(c.read().status()).isEqualTo(200);
            RawClient.Response again = c.send("GET /live/c.ts HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(again.bodyText()).isEqualTo("segment /live/c.ts");
            assertThat(again.header("Connection")).isNull();
        }
        assertThat(origin.requests).hasSize(3);
    }

    @Test
    void aThousandShortRequestsLeaveNoConnectionOrDescriptor(@TempDir Path site) throws Exception {
        Files.writeString(site.resolve("p.html"), "ok");
        front = builder().staticFiles(site).build().start();
        try (RawClient warm = new RawClient(proxy())) {
            warm.send("GET /p.html HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").read();
        }
        Eventually.until(Duration.ofSeconds(5), "warm-up closed", () -> front.stats().openConnections() == 0);
        long fdsBefore = openDescriptors();
        for (int i = 0; i < 1000; i++) {
            try (RawClient c = new RawClient(proxy())) {
                String close = i % 2 == 0 ? "Connection: close\r\n" : "";
                RawClient.Response r = c.send("GET /" + (i % 10 == 0 ? "missing" : "p") + ".html HTTP/1.1\r\nHost: a\r\n"
                        + close + "\r\n").read();
                assertThat(r.status()).isIn(200, 404);
            }
        }
        Eventually.until(Duration.ofSeconds(10), "every connection closed", () -> front.stats().openConnections() == 0);
        Eventually.until(Duration.ofSeconds(10), "descriptors back", () -> openDescriptors() <= fdsBefore + 2);
        assertThat(front.stats().requests()).isEqualTo(1001);
    }

    private static long openDescriptors() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
