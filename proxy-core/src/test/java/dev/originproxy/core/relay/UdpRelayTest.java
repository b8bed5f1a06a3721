package dev.originproxy.core.relay;

import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.api.RelayStats;
import dev.originproxy.core.relay.api.UdpTransport;
import dev.originproxy.core.session.EndReason;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class UdpRelayTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** A UDP origin that answers every datagram with "echo:" + payload. */
    static final class EchoOrigin implements AutoCloseable {
        final DatagramSocket socket;
        final Thread thread;
        final AtomicInteger received = new AtomicInteger();

        EchoOrigin() throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            thread = new Thread(() -> {
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        socket.receive(p);
                        received.incrementAndGet();
                        byte[] out = ("echo:" + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
                                .getBytes(StandardCharsets.UTF_8);
                        socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "echo-origin");
            thread.setDaemon(true);
            thread.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** Relays every client address to one upstream: a leg per client, legs freed when idle. */
    static final class ForwardAll implements RelayHandler {
        final RelayWorker worker;
        final InetSocketAddress upstream;
        final Map<InetSocketAddress, RelayLeg> legs = new HashMap<>();
        final ConcurrentLinkedQueue<EndReason> closed;

        ForwardAll(RelayWorker worker, InetSocketAddress upstream, ConcurrentLinkedQueue<EndReason> closed) {
            this.worker = worker;
            this.upstream = upstream;
            this.closed = closed;
        }

        @Override
        public void onClientPacket(ByteBuffer packet, InetSocketAddress from) {
            if (packet.remaining() > 0 && packet.get(0) == '!') {
                throw new IllegalStateException("handler bug on purpose");
            }
            RelayLeg leg = legs.get(from);
            if (leg == null) {
                try {
                    leg = worker.openLeg(from, upstream, null);
                } catch (IOException e) {
                    worker.countDrop(DropReason.LIMIT);
                    return;
                }
                legs.put(from, leg);
            }
            leg.sendUpstream(packet);
        }

        @Override
        public void onUpstreamPacket(RelayLeg leg, ByteBuffer packet) {
            leg.sendToClient(packet);
        }

        @Override
        public void onLegClosed(RelayLeg leg, EndReason reason) {
            legs.remove(leg.client(), leg);
            closed.add(reason);
        }
    }

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        toClose.add(c);
        return c;
    }

    private UdpRelay relay(InetSocketAddress upstream, Duration idle, int workers,
                           ConcurrentLinkedQueue<EndReason> closed) throws IOException {
        return track(UdpRelay.builder()
                .bind(new InetSocketAddress(LOOPBACK, 0))
                .workers(workers)
                .legIdleTimeout(idle)
                .tick(Duration.ofMillis(20))
                .handler(w -> new ForwardAll(w, upstream, closed))
                .build().start());
    }

    private static String roundTrip(DatagramSocket client, InetSocketAddress to, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        client.send(new DatagramPacket(b, b.length, to));
        DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
        client.receive(in);
        assertThat(in.getSocketAddress()).as("replies come from the proxy's port").isEqualTo(to);
        return new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
    }

    @Test
    void callbacksOfOneWakeUpShareOneClockReadingAndOtherThreadsReadTheClock() throws Exception {
        // a clock that moves on every reading: a datagram's callback must not read it itself
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
        ConcurrentLinkedQueue<long[]> seen = new ConcurrentLinkedQueue<>();
        UdpRelay relay = track(UdpRelay.builder()
                .bind(new InetSocketAddress(LOOPBACK, 0))
                .workers(1)
                .nanoClock(clock::incrementAndGet)
                .handler(w -> new RelayHandler() {
                    @Override
                    public void onClientPacket(ByteBuffer packet, InetSocketAddress from) {
                        seen.add(new long[] {w.nanoTime(), w.nanoTime()});
                    }

                    @Override
                    public void onUpstreamPacket(RelayLeg leg, ByteBuffer packet) {
                    }
                })
                .build().start());
        DatagramSocket client = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        for (int i = 0; i < 5; i++) {
            client.send(new DatagramPacket(new byte[] {(byte) i}, 1, relay.localAddress()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (seen.size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(seen).hasSize(5);
        for (long[] pair : seen) {
            assertThat(pair[1]).as("the same instant within one callback").isEqualTo(pair[0]);
        }
        RelayWorker worker = relay.workers().get(0);
        assertThat(worker.nanoTime()).as("off the worker thread, the clock itself").isNotEqualTo(worker.nanoTime());
    }

    @Test
    void relaysBothWaysWithOneSymmetricUpstreamSocketPerClient() throws Exception {
        EchoOrigin origin = track(new EchoOrigin());
        UdpRelay relay = relay(origin.address(), Duration.ofSeconds(30), 2, new ConcurrentLinkedQueue<>());
        DatagramSocket a = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        DatagramSocket b = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        a.setSoTimeout(2000);
        b.setSoTimeout(2000);
        for (int i = 0; i < 20; i++) {
            assertThat(roundTrip(a, relay.localAddress(), "a" + i)).isEqualTo("echo:a" + i);
            assertThat(roundTrip(b, relay.localAddress(), "b" + i)).isEqualTo("echo:b" + i);
        }
        assertThat(relay.openLegs()).isEqualTo(2);
        assertThat(origin.received).hasValue(40);
        // the worker counts a send just after the datagram left: give it a moment
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (relay.stats().packetsOut() < 40 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        RelayStats stats = relay.stats();
        assertThat(stats.packetsIn()).isEqualTo(40);
        assertThat(stats.packetsOut()).isEqualTo(40);
    }

    @Test
    void aHandlerExceptionIsCountedAndTheWorkerKeepsServing() throws Exception {
        EchoOrigin origin = track(new EchoOrigin());
        UdpRelay relay = relay(origin.address(), Duration.ofSeconds(30), 1, new ConcurrentLinkedQueue<>());
        DatagramSocket a = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        a.setSoTimeout(2000);
        for (int i = 0; i < 100; i++) {
            a.send(new DatagramPacket(new byte[] {'!'}, 1, relay.localAddress()));
        }
        assertThat(roundTrip(a, relay.localAddress(), "still")).isEqualTo("echo:still");
        assertThat(relay.stats().dropped(DropReason.HANDLER_ERROR)).isEqualTo(100);
    }

    @Test
    void closesIdleLegsAndTellsTheHandler() throws Exception {
        EchoOrigin origin = track(new EchoOrigin());
        ConcurrentLinkedQueue<EndReason> closed = new ConcurrentLinkedQueue<>();
        UdpRelay relay = relay(origin.address(), Duration.ofMillis(200), 1, closed);
        DatagramSocket a = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        a.setSoTimeout(2000);
        assertThat(roundTrip(a, relay.localAddress(), "x")).isEqualTo("echo:x");
        assertThat(relay.openLegs()).isEqualTo(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (relay.openLegs() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(relay.openLegs()).isZero();
        assertThat(closed).containsExactly(EndReason.IDLE_TIMEOUT);
        // a new packet opens a fresh leg
        assertThat(roundTrip(a, relay.localAddress(), "y")).isEqualTo("echo:y");
    }

    @Test
    void enforcesTheLegLimit() throws Exception {
        EchoOrigin origin = track(new EchoOrigin());
        UdpRelay relay = track(UdpRelay.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1).maxLegs(2)
                .handler(w -> new ForwardAll(w, origin.address(), new ConcurrentLinkedQueue<>())).build().start());
        List<DatagramSocket> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            DatagramSocket c = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
            c.setSoTimeout(500);
            clients.add(c);
        }
        assertThat(roundTrip(clients.get(0), relay.localAddress(), "1")).isEqualTo("echo:1");
        assertThat(roundTrip(clients.get(1), relay.localAddress(), "2")).isEqualTo("echo:2");
        clients.get(2).send(new DatagramPacket(new byte[] {'3'}, 1, relay.localAddress()));
        DatagramPacket in = new DatagramPacket(new byte[64], 64);
        try {
            clients.get(2).receive(in);
            throw new AssertionError("third client must not be relayed");
        } catch (SocketTimeoutException expected) {
            assertThat(relay.stats().dropped(DropReason.LIMIT)).isEqualTo(1);
        }
    }

    @Test
    void thousandLegsOpenedAndClosedLeaveNoSocketOpen() throws Exception {
        EchoOrigin origin = track(new EchoOrigin());
        long fdsBefore = openFileDescriptors();
        ConcurrentLinkedQueue<EndReason> closed = new ConcurrentLinkedQueue<>();
        UdpRelay relay = UdpRelay.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(2)
                .legIdleTimeout(Duration.ofSeconds(30))
                .handler(w -> new ForwardAll(w, origin.address(), closed)).build().start();
        RelayWorker w = relay.workers().get(0);
        CountDownLatch opened = new CountDownLatch(1);
        List<RelayLeg> legs = new ArrayList<>();
        w.execute(() -> {
            try {
                for (int i = 0; i < 1000; i++) {
                    legs.add(w.openLeg(new InetSocketAddress(LOOPBACK, 10000 + i), origin.address(), null));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            opened.countDown();
        });
        assertThat(opened.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.openLegs()).isEqualTo(1000);
        assertThat(openFileDescriptors() - fdsBefore).isGreaterThanOrEqualTo(1000);
        CountDownLatch half = new CountDownLatch(1);
        w.execute(() -> {
            for (int i = 0; i < 500; i++) {
                legs.get(i).close();
            }
            half.countDown();
        });
        assertThat(half.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.openLegs()).isEqualTo(500);
        relay.close(); // closes the other 500 and the listening channels, joins the threads
        assertThat(relay.openLegs()).isZero();
        assertThat(closed).hasSize(500).containsOnly(EndReason.PROXY_SHUTDOWN);
        assertThat(legs).allSatisfy(l -> assertThat(l.isOpen()).isFalse());
        assertThat(openFileDescriptors()).isLessThanOrEqualTo(fdsBefore + 2);
        assertThat(relay.workers()).allSatisfy(x -> assertThat(x.legCount()).isZero());
    }

    @Test
    void sharesThePortAcrossWorkersWithReusePort() throws Exception {
        EchoOrigin origin = track(new EchoOrigin());
        UdpRelay relay = relay(origin.address(), Duration.ofSeconds(30), 2, new ConcurrentLinkedQueue<>());
        assertThat(relay.workers()).hasSize(UdpRelay.reusePortSupported() ? 2 : 1);
        assertThat(relay.workers()).allSatisfy(w -> assertThat(w.localAddress()).isEqualTo(relay.localAddress()));
        List<DatagramSocket> clients = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            DatagramSocket c = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
            c.setSoTimeout(2000);
            clients.add(c);
            assertThat(roundTrip(c, relay.localAddress(), "c" + i)).isEqualTo("echo:c" + i);
        }
        assertThat(relay.openLegs()).isEqualTo(16);
    }

    /** An error no handler guard catches: it escapes the loop like a VM error would. */
    private static final class Fatal extends Error {
        private static final long serialVersionUID = 1L;

        Fatal() {
            super("simulated fatal error on the worker");
        }
    }

    @Test
    void reportsADeadWorkerAndRefusesWorkRoutedToIt() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        UdpRelay relay = UdpRelay.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1)
                .tick(Duration.ofMillis(10))
                .handler(w -> new RelayHandler() {
                    @Override
                    public void onClientPacket(ByteBuffer packet, InetSocketAddress from) {
                    }

                    @Override
                    public void onUpstreamPacket(RelayLeg leg, ByteBuffer packet) {
                    }

                    @Override
                    public void onTick(long nowNanos) {
                        if (ticks.incrementAndGet() == 3) {
                            throw new Fatal();
                        }
                    }
                }).build().start();
        try {
            RelayWorker w = relay.workers().get(0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (relay.workersAlive() == 1 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(relay.workersAlive()).isZero();
            assertThat(relay.workersDied()).isEqualTo(1);
            assertThat(w.isAlive()).isFalse();
            AtomicInteger ran = new AtomicInteger();
            assertThat(w.submit(ran::incrementAndGet)).as("work for a dead worker is refused").isFalse();
            assertThat(ran).hasValue(0);
        } finally {
            relay.close();
        }
    }

    @Test
    void aFailedStartClosesTheSelectorsOfWorkersAlreadyBuilt() throws Exception {
        List<java.nio.channels.Selector> opened = new ArrayList<>();
        UdpRelay relay = UdpRelay.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(3).reusePort(true)
                .transport(UdpTransport.NIO) // the selector seam belongs to the NIO transport
                .handler(w -> null).build();
        relay.selectorOpener = () -> {
            if (opened.size() == 2) {
                throw new IOException("simulated: too many open files");
            }
            java.nio.channels.Selector s = java.nio.channels.Selector.open();
            opened.add(s);
            return s;
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(relay::start).isInstanceOf(IOException.class);
        assertThat(opened).hasSize(2).allSatisfy(s -> assertThat(s.isOpen()).as("selector closed").isFalse());
    }

    private static long openFileDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
