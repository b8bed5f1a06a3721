package dev.originproxy.http;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.session.SessionLifecycle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slowloris against the front: 100 connections each sending one header byte per second hold no
 * thread and no worker, so a normal request is served within a second meanwhile; each slow
 * connection is answered 408 and closed once its head timeout passes.
 */
class SlowlorisEndToEndTest {
    private static final int ATTACKERS = 100;

    @Test
    void normalRequestIsServedWithinOneSecondWhileSlowHeadsGet408(@TempDir Path site) throws Exception {
        Files.writeString(site.resolve("index.html"), "<p>player</p>");
        Duration headTimeout = Duration.ofSeconds(3);
        try (HttpFront front = HttpFront.builder().bind(new InetSocketAddress("127.0.0.1", 0)).workers(1)
                .balancer(new MemoryLoadBalancer()).lifecycle(new SessionLifecycle())
                .staticFiles(site).headTimeout(headTimeout).build().start()) {
            byte[] head = "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            List<Socket> attackers = new ArrayList<>();
            try {
                for (int i = 0; i < ATTACKERS; i++) {
                    Socket s = new Socket();
                    s.connect(front.localAddress(), 2000);
                    s.setSoTimeout(10_000);
                    attackers.add(s);
                }
                long start = System.nanoTime();
                int sent = 0;
                boolean served = false;
                while (System.nanoTime() - start < headTimeout.toNanos() - Duration.ofMillis(500).toNanos()) {
                    for (Socket s : attackers) {
                        s.getOutputStream().write(head[sent]);
                        s.getOutputStream().flush();
                    }
                    sent++;
                    if (sent == 2 && !served) {
                        long t0 = System.nanoTime();
                        try (RawClient c = new RawClient(front.localAddress())) {
                            RawClient.Response r = c.send("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
                            long ms = (System.nanoTime() - t0) / 1_000_000;
                            System.out.println("normal request served in " + ms + " ms beside " + ATTACKERS + " slowloris connections");
                            assertThat(r.status()).isEqualTo(200);
                            assertThat(r.bodyText()).isEqualTo("<p>player</p>");
                            assertThat(ms).isLessThan(1000);
                        }
                        served = true;
                    }
                    Thread.sleep(1000);
                }
                assertThat(served).isTrue();
                for (Socket s : attackers) {
                    String response = ScriptedOrigin.readHead(s.getInputStream());
                    assertThat(response).startsWith("HTTP/1.1 408 ");
                }
                assertThat(front.stats().headTimeouts()).isEqualTo(ATTACKERS);
                Eventually.until(Duration.ofSeconds(5), "slow connections closed",
                        () -> front.stats().openConnections() == 0);
            } finally {
                for (Socket s : attackers) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }
    }
}
