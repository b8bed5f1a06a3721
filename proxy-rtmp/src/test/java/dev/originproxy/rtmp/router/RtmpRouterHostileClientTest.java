package dev.originproxy.rtmp.router;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.session.SessionLifecycle;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that are not RTMP, stop half-way or say nothing: each is dropped with its counted
 * reason, and nothing stays open.
 */
class RtmpRouterHostileClientTest {
    private final SessionLifecycle lifecycle = new SessionLifecycle();
    private RtmpRouter router;

    @AfterEach
    void close() {
        if (router != null) {
            router.close();
        }
    }

    private RtmpRouter start(MemoryLoadBalancer lb) throws IOException {
        router = RtmpRouter.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).workers(2)
                .balancer(lb).lifecycle(lifecycle).setupTimeout(Duration.ofMillis(500)).build().start();
        return router;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(router.localAddress(), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    private static void awaitClosedByPeer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // drain what the router sent (S0S1S2) until it closes
            }
        } catch (SocketException reset) {
            // a reset is a close too
        }
    }

    private static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private long dropped(RtmpDropReason r) {
        return router.stats().dropped(r);
    }

    @Test
    void garbageIsDroppedAsABadHandshake() throws Exception {
        start(new MemoryLoadBalancer());
        try (Socket s = connect()) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            awaitClosedByPeer(s);
        }
        await("counted", () -> dropped(RtmpDropReason.BAD_HANDSHAKE) == 1);
        await("closed", () -> router.stats().engine().openConnections() == 0);
    }

    @Test
    void truncatedHandshakeIsDroppedAndCounted() throws Exception {
        start(new MemoryLoadBalancer());
        try (Socket s = connect()) {
            byte[] part = new byte[700];
            part[0] = 3;
            s.getOutputStream().write(part);
        }
        await("counted", () -> dropped(RtmpDropReason.TRUNCATED_HANDSHAKE) == 1);
        await("closed", () -> router.stats().engine().openConnections() == 0);
    }

    @Test
    void handshakeThatNeverCompletesTimesOut() throws Exception {
        start(new MemoryLoadBalancer());
        try (RawRtmpClient c = new RawRtmpClient(router.localAddress(), 0)) {
            c.sendC0C1(); // and never C2
            awaitClosedByPeer(c.socket);
        }
        await("counted", () -> dropped(RtmpDropReason.HANDSHAKE_TIMEOUT) == 1);
    }

    @Test
    void silentClientIsDroppedAfterTheSetupTimeout() throws Exception {
        start(new MemoryLoadBalancer());
        long t0 = System.nanoTime();
        try (Socket s = connect()) {
            awaitClosedByPeer(s);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        await("counted", () -> dropped(RtmpDropReason.SILENT) == 1);
    }

    @Test
    void clientThatConnectsButNeverPublishesTimesOut() throws Exception {
        start(new MemoryLoadBalancer());
        try (RawRtmpClient c = new RawRtmpClient(router.localAddress(), 0)) {
            c.handshake();
            c.connect("rtmp://127.0.0.1/live");
            assertThat(c.awaitReceived("NetConnection.Connect.Success", Duration.ofSeconds(5))).isTrue();
            awaitClosedByPeer(c.socket);
        }
        await("counted", () -> dropped(RtmpDropReason.SETUP_TIMEOUT) == 1);
    }

    @Test
    void chunkStreamGarbageAfterTheHandshakeIsAProtocolError() throws Exception {
        start(new MemoryLoadBalancer());
        try (RawRtmpClient c = new RawRtmpClient(router.localAddress(), 0)) {
            c.handshake();
            c.write(new byte[] {(byte) 0xC3, 1, 2, 3, 4}); // a type-3 chunk on a chunk stream never opened
            awaitClosedByPeer(c.socket);
        }
        await("counted", () -> dropped(RtmpDropReason.PROTOCOL_ERROR) == 1);
    }

    @Test
    void publishWithoutAnyOriginGetsAnErrorStatus() throws Exception {
        start(new MemoryLoadBalancer());
        try (RawRtmpClient c = new RawRtmpClient(router.localAddress(), 0)) {
            c.handshake();
            c.connect("rtmp://127.0.0.1/live");
            c.createStream();
            c.publish("nobody-home");
            assertThat(c.awaitReceived("NetStream.Publish.Failed", Duration.ofSeconds(5))).as(c.received.toString()).isTrue();
            awaitClosedByPeer(c.socket);
        }
        await("counted", () -> dropped(RtmpDropReason.NO_ORIGIN) == 1);
        assertThat(lifecycle.live()).isEmpty();
    }

    @Test
    void refusalByTheLifecycleReachesTheClientAsBadName() throws Exception {
        lifecycle.addListener(new dev.originproxy.core.session.SessionListener() {
            @Override
            public void onStart(dev.originproxy.core.session.SessionInfo session)
                    throws dev.originproxy.core.session.SessionRefusedException {
                throw new dev.originproxy.core.session.SessionRefusedException("stream is busy");
            }
        });
        MemoryLoadBalancer lb = new MemoryLoadBalancer();
        lb.registry().register(RtmpPeers.origin("o1", 1)); // never reached: refused first
        start(lb);
        try (RawRtmpClient c = new RawRtmpClient(router.localAddress(), 0)) {
            c.handshake();
            c.connect("rtmp://127.0.0.1/live");
            c.createStream();
            c.publish("busy");
            assertThat(c.awaitReceived("NetStream.Publish.BadName", Duration.ofSeconds(5))).as(c.received.toString()).isTrue();
        }
        await("counted", () -> dropped(RtmpDropReason.REFUSED) == 1);
    }

    @Test
    void thousandConnectCloseCyclesLeaveNoDescriptorAndNoSession() throws Exception {
        start(new MemoryLoadBalancer());
        cycle(20);
        await("warm-up closed", () -> router.stats().engine().openConnections() == 0);
        long before = openDescriptors();
        cycle(1000);
        await("all closed", () -> router.stats().engine().openConnections() == 0);
        await("descriptors back", () -> openDescriptors() <= before);
        assertThat(router.sessionCount()).isZero();
        assertThat(router.stats().engine().accepted()).isEqualTo(1020);
        assertThat(dropped(RtmpDropReason.SILENT) + dropped(RtmpDropReason.TRUNCATED_HANDSHAKE)).isEqualTo(1020);
    }

    private void cycle(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket()) {
                s.connect(router.localAddress(), 2000);
                if ((i & 1) == 1) {
                    s.getOutputStream().write(3); // half of them start a handshake
                }
            }
        }
    }

    private static long openDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
