package dev.originproxy.sdp.whip.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One blocking HTTP/1.1 exchange against a canned origin on loopback. */
@Timeout(20)
class OriginExchangeTest {
    private final OriginExchange exchange = new OriginExchange(Duration.ofSeconds(2));
    /** Own threads: an origin that holds its connection must not hold a shared pool's only thread. */
    private final ExecutorService origins = Executors.newCachedThreadPool();
    private ServerSocket server;

    @AfterEach
    void close() throws IOException {
        origins.shutdownNow();
        if (server != null) {
            server.close();
        }
    }

    /** Serves one connection: reads the request head and body, writes {@code answer}, closes. */
    private CompletableFuture<String> origin(String answer, boolean closeAfter) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                String request = readRequest(s.getInputStream());
                s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                if (!closeAfter) {
                    Thread.sleep(5000);
                }
                return request;
            } catch (IOException | InterruptedException e) {
                return "failed: " + e;
            }
        }, origins);
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int contentLength = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            got.write(b);
            String text = got.toString(StandardCharsets.ISO_8859_1);
            if (contentLength < 0 && text.endsWith("\r\n\r\n")) {
                int at = text.indexOf("Content-Length: ");
                contentLength = at < 0 ? 0 : Integer.parseInt(text.substring(at + 16, text.indexOf("\r\n", at)));
                got.write(in.readNBytes(contentLength));
                break;
            }
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + pathAndQuery);
    }

    @Test
    void postsTheOfferAndReadsAContentLengthAnswer() throws Exception {
        CompletableFuture<String> seen = origin("HTTP/1.1 201 Created\r\nContent-Type: application/sdp\r\n"
                + "Location: /rtc/v1/whip/?token=x\r\nContent-Length: 5\r\n\r\nv=0\r\n", true);
        HttpResponse<byte[]> r = exchange.send(HttpRequest.newBuilder(uri("/rtc/v1/whip/?app=live&stream=a"))
                .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.ofString("offer"))
                .header("Content-Type", "application/sdp").build());

        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.headers().firstValue("location")).hasValue("/rtc/v1/whip/?token=x");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("v=0\r\n");
        assertThat(seen.get()).startsWith("POST /rtc/v1/whip/?app=live&stream=a HTTP/1.1\r\n")
                .contains("\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n", "\r\nContent-Type: application/sdp\r\n",
                        "\r\nContent-Length: 5\r\n", "\r\nConnection: close\r\n")
                .endsWith("\r\n\r\noffer");
    }

    @Test
    void skipsAnInterimAnswerAndDecodesAChunkedBody() throws Exception {
        origin("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n", true);
        HttpResponse<byte[]> r = exchange.send(HttpRequest.newBuilder(uri("/x")).timeout(Duration.ofSeconds(2))
                .DELETE().build());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("abcde");
    }

    @Test
    void readsABodyWithoutLengthUpToTheClose() throws Exception {
        CompletableFuture<String> seen = origin("HTTP/1.0 404 Not Found\r\n\r\nnot here", true);
        HttpResponse<byte[]> r = exchange.send(HttpRequest.newBuilder(uri("/x")).timeout(Duration.ofSeconds(2))
                .DELETE().build());

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("not here");
        assertThat(seen.get()).startsWith("DELETE /x HTTP/1.1\r\n").doesNotContain("Content-Length");
    }

    @Test
    void anOriginThatDoesNotAnswerInTimeIsATimeout() throws Exception {
        origin("", false);
        assertThatThrownBy(() -> exchange.send(HttpRequest.newBuilder(uri("/x")).timeout(Duration.ofMillis(300))
                .DELETE().build())).isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void anOriginThatDoesNotReadALargeOfferCannotHoldTheThreadPastTheTimeout() throws Exception {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            try (Socket s = server.accept()) {
                Thread.sleep(5000); // accepts and never reads
            } catch (IOException | InterruptedException e) {
                // closed by the test
            }
        }, origins);
        long start = System.nanoTime();
        assertThatThrownBy(() -> exchange.send(HttpRequest.newBuilder(uri("/x")).timeout(Duration.ofMillis(500))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1_000_000])).build()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        holder.cancel(true);
    }

    @Test
    void nothingListeningIsAConnectException() throws Exception {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        URI gone = uri("/x");
        server.close();
        assertThatThrownBy(() -> exchange.send(HttpRequest.newBuilder(gone).timeout(Duration.ofSeconds(2))
                .DELETE().build())).isInstanceOf(ConnectException.class);
    }

    @Test
    void refusesAnOversizedHeadAndABadStatusLine() throws Exception {
        origin("HTTP/1.1 200 OK\r\nX: " + "a".repeat(OriginExchange.MAX_HEAD_BYTES) + "\r\n\r\n", true);
        assertThatThrownBy(() -> exchange.send(HttpRequest.newBuilder(uri("/x")).timeout(Duration.ofSeconds(2))
                .DELETE().build())).isInstanceOf(IOException.class).hasMessageContaining("head larger");
        server.close();
        origin("SSH-2.0-x\r\n\r\n", true);
        assertThatThrownBy(() -> exchange.send(HttpRequest.newBuilder(uri("/x")).timeout(Duration.ofSeconds(2))
                .DELETE().build())).isInstanceOf(IOException.class).hasMessageContaining("status line");
    }
}
