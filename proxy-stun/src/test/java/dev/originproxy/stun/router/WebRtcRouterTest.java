package dev.originproxy.stun.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.stun.StunIntegrityKey;
import dev.originproxy.stun.StunMessage;
import dev.originproxy.stun.StunMessageType;
import dev.originproxy.stun.StunMessageWriter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class WebRtcRouterTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /**
     * A test origin on one UDP port: answers binding requests with a success response signed
     * with the session's ice-pwd (as an ICE agent does) and echoes every other datagram.
     */
    static final class TestOrigin implements AutoCloseable {
        final DatagramSocket socket;
        final ConcurrentHashMap<InetSocketAddress, AtomicInteger> packetsFrom = new ConcurrentHashMap<>();
        final StunIntegrityKey key;

        TestOrigin(String icePwd) throws IOException {
            this.key = StunIntegrityKey.shortTerm(icePwd);
            socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            Thread t = new Thread(this::serve, "test-origin");
            t.setDaemon(true);
            t.start();
        }

        private void serve() {
            byte[] buf = new byte[2048];
            StunMessage req = new StunMessage();
            StunMessageWriter writer = new StunMessageWriter();
            ByteBuffer out = ByteBuffer.allocate(512);
            while (!socket.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                    packetsFrom.computeIfAbsent(from, k -> new AtomicInteger()).incrementAndGet();
                    ByteBuffer in = ByteBuffer.wrap(p.getData(), 0, p.getLength());
                    if (req.wrap(in, 0, p.getLength()) && req.isBindingRequest()) {
                        out.clear();
                        int n = writer.start(out, 0, StunMessageType.BINDING_SUCCESS_RESPONSE, req)
                                .xorMappedAddress(from).messageIntegrity(key).fingerprint().finish();
                        socket.send(new DatagramPacket(out.array(), n, from));
                    } else {
                        socket.send(new DatagramPacket(p.getData(), p.getLength(), from));
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** A client ICE agent's socket: sends signed binding requests and media. */
    static final class Client implements AutoCloseable {
        final DatagramSocket socket;
        final InetSocketAddress proxy;

        Client(InetSocketAddress proxy) throws IOException {
            this.proxy = proxy;
            socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            socket.setSoTimeout(1500);
        }

        void sendBinding(String username, String pwd) throws IOException {
            byte[] tid = new byte[12];
            new Random().nextBytes(tid);
            ByteBuffer out = ByteBuffer.allocate(512);
            int n = new StunMessageWriter().start(out, 0, StunMessageType.BINDING_REQUEST, tid, 0)
                    .username(username).priority(1853824767).iceControlling(42L).useCandidate()
                    .messageIntegrity(StunIntegrityKey.shortTerm(pwd)).fingerprint().finish();
            socket.send(new DatagramPacket(out.array(), n, proxy));
        }

        void send(byte[] payload) throws IOException {
            socket.send(new DatagramPacket(payload, payload.length, proxy));
        }

        /** The next datagram, or null after the timeout. */
        byte[] receive() throws IOException {
            DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
            try {
                socket.receive(in);
            } catch (SocketTimeoutException e) {
                return null;
            }
            assertThat(in.getSocketAddress()).isEqualTo(proxy);
            return Arrays.copyOf(in.getData(), in.getLength());
        }

        /** Binding request until a verified success response comes back (ICE retransmits too). */
        boolean connect(String username, String pwd) throws IOException {
            for (int i = 0; i < 10; i++) {
                sendBinding(username, pwd);
                byte[] r = receive();
                if (r != null) {
                    StunMessage m = new StunMessage();
                    assertThat(m.wrap(ByteBuffer.wrap(r), 0, r.length)).isTrue();
                    assertThat(m.messageType()).isEqualTo(StunMessageType.BINDING_SUCCESS_RESPONSE);
                    assertThat(new dev.originproxy.stun.StunVerifier().verifyIntegrity(m,
                            StunIntegrityKey.shortTerm(pwd))).isTrue();
                    return true;
                }
            }
            return false;
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    static final byte[] DTLS = {22, (byte) 0xfe, (byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 1, 2, 3};

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final MemoryLoadBalancer balancer = new MemoryLoadBalancer();
    private final SessionLifecycle lifecycle = new SessionLifecycle();
    private final CopyOnWriteArrayList<String> ends = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private WebRtcRouter router(Duration idle) throws IOException {
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onEnd(SessionInfo s, EndReason r, SessionCounters c) {
                ends.add(s.id() + ":" + r);
            }
        });
        return track(WebRtcRouter.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(2)
                .socketBufferBytes(1 << 20) // room for the flood tests' paced bursts on a loaded machine
                .sessionStore(balancer.sessions()).lifecycle(lifecycle)
                .sessionIdleTimeout(idle).legIdleTimeout(idle)
                .storeRefreshInterval(Duration.ofMillis(200))
                .build().start());
    }

    private WebRtcSession session(String id, String user, String pwd, InetSocketAddress origin) throws Exception {
        WebRtcSession s = new WebRtcSession(id, user, pwd, StreamKey.of(null, "live", id), "o1", origin,
                Direction.PUBLISH, Instant.now(), null);
        balancer.sessions().store(s);
        lifecycle.start(new SessionInfo(id, dev.originproxy.core.session.SessionProtocol.WEBRTC,
                Direction.PUBLISH, s.streamKey(), "o1", null, Instant.now()));
        return s;
    }

    private static void await(BooleanSupplier cond, Duration max, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void relaysStunAndMediaBothWays() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        WebRtcRouter router = router(Duration.ofSeconds(30));
        session("s1", "oUfr:cUfr", "pwd-answer-0123456789", origin.address());
        Client c = track(new Client(router.localAddress()));
        assertThat(c.connect("oUfr:cUfr", "pwd-answer-0123456789")).isTrue();
        for (int i = 0; i < 50; i++) {
            DTLS[15] = (byte) i;
            c.send(DTLS);
            assertThat(c.receive()).isEqualTo(DTLS);
        }
        assertThat(router.sessionCount()).isEqualTo(1);
        assertThat(origin.packetsFrom).hasSize(1); // one leg, one upstream socket
        RtcSessionView v = router.sessions().get(0);
        assertThat(v.clients()).containsExactly(c.address());
        assertThat(v.counters().packetsFromClient()).isGreaterThanOrEqualTo(51);
    }

    @Test
    void aSecondAddressJoinsOnlyWithValidIntegrityAndGetsItsOwnUpstreamSocket() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        WebRtcRouter router = router(Duration.ofSeconds(30));
        session("s1", "oUfr:cUfr", "pwd-answer-0123456789", origin.address());
        Client first = track(new Client(router.localAddress()));
        Client second = track(new Client(router.localAddress()));
        assertThat(first.connect("oUfr:cUfr", "pwd-answer-0123456789")).isTrue();
        second.send(DTLS);
        assertThat(second.receive()).as("unauthenticated media is not relayed").isNull();
        assertThat(second.connect("oUfr:cUfr", "pwd-answer-0123456789")).isTrue();
        second.send(DTLS);
        assertThat(second.receive()).isEqualTo(DTLS);
        assertThat(origin.packetsFrom).hasSize(2);
        assertThat(router.sessions().get(0).clients()).containsExactlyInAnyOrder(first.address(), second.address());
    }

    @Test
    void hijackWithTheRightUsernameButWrongIntegrityChangesNothing() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        WebRtcRouter router = router(Duration.ofSeconds(30));
        session("s1", "oUfr:cUfr", "pwd-answer-0123456789", origin.address());
        Client victim = track(new Client(router.localAddress()));
        Client attacker = track(new Client(router.localAddress()));
        assertThat(victim.connect("oUfr:cUfr", "pwd-answer-0123456789")).isTrue();
        for (int i = 0; i < 5; i++) {
            attacker.sendBinding("oUfr:cUfr", "guessed-password-xxxx");
            attacker.send(DTLS);
        }
        assertThat(attacker.receive()).isNull();
        await(() -> router.relayStats().dropped(DropReason.UNAUTHENTICATED) == 5, Duration.ofSeconds(3), "5 drops");
        victim.send(DTLS);
        assertThat(victim.receive()).isEqualTo(DTLS);
        assertThat(router.sessions().get(0).clients()).containsExactly(victim.address());
        assertThat(origin.packetsFrom).hasSize(1);
    }

    @Test
    void survivesAGarbageFloodAndCountsIt() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        WebRtcRouter router = router(Duration.ofSeconds(30));
        session("s1", "oUfr:cUfr", "pwd-answer-0123456789", origin.address());
        Client garbage = track(new Client(router.localAddress()));
        // 29 bytes: a STUN header whose USERNAME's padding runs past the end
        byte[] badPadding = HexFormat.of().parseHex("000100092112a442" + "b7e7a701bc34d686fa87dfae" + "0006000561626364" + "65");
        Random rnd = new Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[1 + rnd.nextInt(300)];
            rnd.nextBytes(b);
            garbage.send(i % 10 == 0 ? badPadding : b);
            if (i % 200 == 199) {
                Thread.sleep(2); // let the worker drain; the kernel drops an unpaced burst
            }
        }
        // every datagram that reached the router was dropped and counted
        await(() -> router.relayStats().packetsIn() >= 1500
                && router.relayStats().droppedTotal() == router.relayStats().packetsIn(),
                Duration.ofSeconds(5), "every garbage datagram counted as dropped");
        Client good = track(new Client(router.localAddress()));
        assertThat(good.connect("oUfr:cUfr", "pwd-answer-0123456789")).isTrue();
        good.send(DTLS);
        assertThat(good.receive()).isEqualTo(DTLS);
        assertThat(router.relayStats().dropped(DropReason.MALFORMED)).isGreaterThanOrEqualTo(200);
        assertThat(router.relayStats().dropped(DropReason.HANDLER_ERROR)).isZero();
        assertThat(origin.packetsFrom).hasSize(1);
    }

    @Test
    void idleTimeoutFreesLegsAndSessionsAndFiresOnEndOnce() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        WebRtcRouter router = router(Duration.ofMillis(400));
        session("s1", "oUfr:cUfr", "pwd-answer-0123456789", origin.address());
        Client c = track(new Client(router.localAddress()));
        assertThat(c.connect("oUfr:cUfr", "pwd-answer-0123456789")).isTrue();
        await(() -> router.sessionCount() == 0 && router.relayStats().openLegs() == 0, Duration.ofSeconds(5),
                "idle end");
        await(() -> !ends.isEmpty(), Duration.ofSeconds(2), "onEnd");
        Thread.sleep(300);
        assertThat(ends).containsExactly("s1:IDLE_TIMEOUT");
        await(() -> balancer.sessions().find("oUfr:cUfr").isEmpty(), Duration.ofSeconds(2), "store removal");
    }

    @Test
    void removalFromTheStoreEndsTheSession() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        WebRtcRouter router = router(Duration.ofSeconds(30));
        session("s1", "oUfr:cUfr", "pwd-answer-0123456789", origin.address());
        Client c = track(new Client(router.localAddress()));
        assertThat(c.connect("oUfr:cUfr", "pwd-answer-0123456789")).isTrue();
        balancer.sessions().remove("oUfr:cUfr");
        await(() -> router.relayStats().openLegs() == 0, Duration.ofSeconds(3), "legs freed");
        assertThat(router.sessionCount()).isZero();
        assertThat(ends).containsExactly("s1:CLIENT_CLOSED");
        c.send(DTLS);
        assertThat(c.receive()).isNull();
    }

    @Test
    void aThousandSessionsOpenedAndClosedLeaveNoSocketAndNoSession() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        WebRtcRouter router = router(Duration.ofSeconds(30));
        long fdsBefore = fds();
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            session("s" + i, "o" + i + ":c" + i, "pwd-answer-0123456789", origin.address());
        }
        for (int batch = 0; batch < 1000; batch += 100) {
            for (int i = batch; i < batch + 100; i++) {
                Client c = track(new Client(router.localAddress())); // kept open: a closed port may be reused
                clients.add(c);
                c.sendBinding("o" + i + ":c" + i, "pwd-answer-0123456789");
            }
            int b = batch;
            await(() -> router.sessionCount() >= b + 100 && router.relayStats().openLegs() >= b + 100,
                    Duration.ofSeconds(10), "sessions up to " + (b + 100));
        }
        assertThat(router.relayStats().openLegs()).isEqualTo(1000);
        for (int i = 0; i < 1000; i++) {
            balancer.sessions().remove("o" + i + ":c" + i);
        }
        await(() -> router.relayStats().openLegs() == 0 && router.sessionCount() == 0, Duration.ofSeconds(10),
                "every session freed");
        assertThat(ends).hasSize(1000);
        assertThat(router.sessions).isEmpty();
        for (Client c : clients) {
            c.close();
        }
        await(() -> fds() <= fdsBefore + 5, Duration.ofSeconds(5), "descriptors back to where they were");
    }

    @Test
    void onStartOfASessionSignalledElsewhereRunsOffTheEventLoop() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        List<String> onStartThreads = new CopyOnWriteArrayList<>();
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onStart(SessionInfo s) {
                onStartThreads.add(Thread.currentThread().getName());
            }
        });
        WebRtcRouter router = router(Duration.ofSeconds(30));
        // stored by another proxy instance: this one starts the media session itself
        balancer.sessions().store(new WebRtcSession("elsewhere", "oUfr:cUfr", "pwd-answer-0123456789",
                StreamKey.of(null, "live", "elsewhere"), "o1", origin.address(), Direction.PUBLISH, Instant.now(), null));
        Client c = track(new Client(router.localAddress()));

        assertThat(c.connect("oUfr:cUfr", "pwd-answer-0123456789")).isTrue();

        assertThat(onStartThreads).hasSize(1).noneMatch(t -> t.matches("webrtc-router-\\d+"));
    }

    @Test
    void maxLegsDoesNotOverflowForHugeSessionAndLegLimits() {
        assertThat(WebRtcRouter.saturatedProduct(Integer.MAX_VALUE, 8)).isEqualTo(Integer.MAX_VALUE);
        assertThat(WebRtcRouter.saturatedProduct(300_000_000, 8)).isEqualTo(Integer.MAX_VALUE);
        assertThat(WebRtcRouter.saturatedProduct(10_000, 8)).isEqualTo(80_000);
        // building used to fail: 300,000,000 * 8 wrapped to a negative maxLegs
        WebRtcRouter.builder().sessionStore(balancer.sessions()).maxSessions(300_000_000).maxLegsPerSession(8).build()
                .close();
    }

    @Test
    void aSessionWhoseOriginDiesEndsWithOriginGoneWithinSeconds() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        balancer.registry().register(new dev.originproxy.core.origin.OriginServer("o1", null, "127.0.0.1",
                java.util.Map.of(dev.originproxy.core.origin.OriginProtocol.API,
                        List.of(dev.originproxy.core.origin.OriginEndpoint.parse("1985"))), Instant.now()));
        dev.originproxy.core.balancer.OriginHealth health = track(dev.originproxy.core.balancer.OriginHealth.builder()
                .registry(balancer.registry()).refreshInterval(Duration.ofMillis(100)).build().start());
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onEnd(SessionInfo s, EndReason r, SessionCounters c) {
                ends.add(s.id() + ":" + r);
            }
        });
        WebRtcRouter router = track(WebRtcRouter.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1)
                .sessionStore(balancer.sessions()).lifecycle(lifecycle).originHealth(health)
                .originGoneAfter(Duration.ofMillis(500)).build().start());
        session("s1", "oUfr:cUfr", "pwd-answer-0123456789", origin.address());
        Client c = track(new Client(router.localAddress()));
        assertThat(c.connect("oUfr:cUfr", "pwd-answer-0123456789")).isTrue();

        origin.close(); // the origin process is gone: its port answers ICMP port unreachable
        long killed = System.nanoTime();
        await(() -> {
            try {
                c.send(DTLS); // the client keeps sending, as DTLS/SRTP/consent checks do
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return router.sessionCount() == 0 && !ends.isEmpty(); // onEnd follows the removal
        }, Duration.ofSeconds(5), "the session of the dead origin ends");

        System.out.printf("origin killed -> session ended ORIGIN_GONE in %d ms%n",
                (System.nanoTime() - killed) / 1_000_000);
        assertThat(ends).containsExactly("s1:" + EndReason.ORIGIN_GONE);
        assertThat(balancer.registry().suspects()).containsExactly("o1");
        assertThat(balancer.sessions().find("oUfr:cUfr")).isEmpty();
    }

    @Test
    void onAMultiHomedHostRepliesLeaveFromTheAddressTheClientSentTo() throws Exception {
        TestOrigin origin = track(new TestOrigin("pwd-answer-0123456789"));
        InetAddress second = InetAddress.getByName("127.0.0.2"); // a second local address (all of 127/8 is)
        WebRtcRouter router = track(WebRtcRouter.builder().bind(new InetSocketAddress(LOOPBACK, 0))
                .alsoBind(new InetSocketAddress(second, 0)).workers(1)
                .sessionStore(balancer.sessions()).lifecycle(lifecycle).build().start());
        session("s1", "oUfr:cUfr", "pwd-answer-0123456789", origin.address());
        session("s2", "oUfr2:cUfr2", "pwd-answer-0123456789", origin.address());
        InetSocketAddress onSecond = new InetSocketAddress(second, router.localAddress().getPort());

        for (InetSocketAddress proxy : List.of(router.localAddress(), onSecond)) {
            Client c = track(new Client(proxy));
            String user = proxy.equals(onSecond) ? "oUfr2:cUfr2" : "oUfr:cUfr";
            DatagramPacket reply = null;
            for (int i = 0; i < 10 && reply == null; i++) {
                c.sendBinding(user, "pwd-answer-0123456789");
                DatagramPacket in = new DatagramPacket(new byte[1500], 1500);
                try {
                    c.socket.receive(in);
                    reply = in;
                } catch (SocketTimeoutException retry) {
                    // retransmit, as ICE does
                }
            }
            assertThat(reply).as("answered via %s", proxy).isNotNull();
            // a wildcard socket would answer from the kernel's choice (127.0.0.1) and ICE would drop it
            assertThat(reply.getSocketAddress()).isEqualTo(proxy);
        }
    }

    private static long fds() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
