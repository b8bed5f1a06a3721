package dev.originproxy.sdp.http;

import dev.originproxy.core.api.ApiResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The guarded HTTP server on loopback: normal requests, hostile heads, routes and their pools. */
@Timeout(30)
class GuardedHttpServerTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private GuardedHttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = GuardedHttpServer.builder(new InetSocketAddress("127.0.0.1", 0)).name("test").maxBodyBytes(1024)
                .headTimeout(Duration.ofMillis(500)).bodyTimeout(Duration.ofMillis(500))
                .route("/", "echo", req -> ApiResponse.builder(200).header("Content-Type", "text/plain")
                        .header("X-Raw-Path", req.rawPath())
                        .body(req.method() + " " + req.path() + " " + req.rawQuery() + " " + req.body().length).build(), 2, 8)
                .route("/slow/", "slow", req -> {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ApiResponse.builder(204).build();
                }, 1, 1)
                .build();
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
    }

    @Test
    void servesGetAndPostWithDecodedAndRawPaths() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + server.address().getPort());

        HttpResponse<String> get = client.send(HttpRequest.newBuilder(base.resolve("/a%20b?x=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(base.resolve("/p"))
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("GET /a b x=1 0");
        assertThat(get.headers().firstValue("X-Raw-Path")).hasValue("/a%20b");
        assertThat(post.body()).isEqualTo("POST /p null 5");
    }

    @Test
    void hostileHeadsGetAClearStatusAndAClose() throws Exception {
        assertThat(raw("GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET http://other/x HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /x HTTP/2.0\r\n\r\n")).startsWith("HTTP/1.1 505");
        assertThat(raw("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")).startsWith("HTTP/1.1 411");
        assertThat(raw("POST /x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n")).startsWith("HTTP/1.1 413");
        assertThat(raw("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /x HTTP/1.1\r\nX: " + "a".repeat(20_000) + "\r\n\r\n")).startsWith("HTTP/1.1 431");
        assertThat(raw("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")).startsWith("HTTP/1.1 408");
        assertThat(server.malformed()).isEqualTo(7);
        assertThat(server.timedOut()).isEqualTo(1);
    }

    @Test
    void aHeadLongerThanTheFirstBufferArrivingInPiecesIsServedWithItsBody() throws Exception {
        // 6 KB of head: past the pending request's first 1 KiB buffer, under the 16 KiB cap
        String head = "POST /x HTTP/1.1\r\nX-Long: " + "b".repeat(6000) + "\r\nContent-Length: 3\r\n\r\n";
        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            s.setSoTimeout(3000);
            byte[] bytes = (head + "abc").getBytes(StandardCharsets.ISO_8859_1);
            s.getOutputStream().write(bytes, 0, 700);
            s.getOutputStream().flush();
            Thread.sleep(50); // lets the server read the first piece alone
            s.getOutputStream().write(bytes, 700, bytes.length - 700);
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                    .startsWith("HTTP/1.1 200").endsWith("POST /x null 3");
        }
    }

    @Test
    void expectContinueIsHonoured() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            s.setSoTimeout(3000);
            s.getOutputStream().write("POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] interim = s.getInputStream().readNBytes(25);
            assertThat(new String(interim, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            s.getOutputStream().write("abc".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                    .startsWith("HTTP/1.1 200").endsWith("POST /x null 3");
        }
    }

    @Test
    void aFullRoutePoolAnswers503AtOnceWhileOtherRoutesServe() throws Exception {
        Socket first = send("GET /slow/a HTTP/1.1\r\n\r\n");   // runs, blocked
        Socket second = send("GET /slow/b HTTP/1.1\r\n\r\n");  // queued
        Thread.sleep(200);
        String third = raw("GET /slow/c HTTP/1.1\r\n\r\n");

        assertThat(third).startsWith("HTTP/1.1 503");
        assertThat(raw("GET /fast HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200");
        release.countDown();
        assertThat(new String(first.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 204");
        assertThat(new String(second.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 204");
        first.close();
        second.close();
        assertThat(server.overloaded()).isEqualTo(1);
    }

    private Socket send(String request) throws IOException {
        Socket s = new Socket("127.0.0.1", server.address().getPort());
        s.setSoTimeout(5000);
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        return s;
    }

    private String raw(String request) throws IOException {
        try (Socket s = send(request)) {
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
