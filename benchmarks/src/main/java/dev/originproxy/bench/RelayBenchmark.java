package dev.originproxy.bench;

import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.RelayHandler;
import dev.originproxy.core.relay.RelayLeg;
import dev.originproxy.core.relay.RelayWorker;
import dev.originproxy.core.relay.UdpRelay;
import dev.originproxy.core.relay.api.UdpTransport;
import dev.originproxy.core.session.EndReason;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@link UdpRelay} over real loopback sockets: a client sends 1200-byte datagrams to the relay
 * (one worker, a forward-all handler: one upstream leg per client, like UdpRelayTest's
 * ForwardAll), the relay forwards them to an echo origin, and the echo comes back through the
 * relay. {@code path=direct} is the same client talking to the echo origin without the relay,
 * in the same run, so the relay's share can be told apart.
 *
 * <p>{@code transport} picks the relay's system calls: {@code nio} or {@code mmsg} (batched
 * {@code recvmmsg}/{@code sendmmsg}; needs a JDK 22+: {@code -jvm /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * -jvmArgs --enable-native-access=ALL-UNNAMED}), or {@code netty}: not {@code UdpRelay} but
 * {@link NettyEpollRelay}, the same forward-all relay on Netty's native epoll transport (issue 14
 * option b; see that class for its setup). {@code clients} sends round-robin from that many
 * client sockets: with more than one, NIO's {@code receive} makes an {@code InetSocketAddress}
 * per datagram (the JDK caches only the last sender), the batched path makes none.
 *
 * <p>Everything runs in this JVM: the JMH thread (client), the relay worker thread and the
 * echo-origin thread, all on the same 2 cores. {@code -prof gc}'s gc.alloc.rate.norm therefore
 * counts bytes allocated by all of them (client + relay both ways + echo) per operation.
 */
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RelayBenchmark {
    static final int PAYLOAD = 1200;
    static final int WINDOW = 16;
    static final long TIMEOUT_MS = 1000;
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** Non-capturing, so select(action, timeout) neither allocates a lambda nor fills selectedKeys. */
    static final Consumer<SelectionKey> IGNORE = k -> { };

    @Param({"relay", "direct"})
    public String path;

    @Param({"nio"})
    public String transport;

    @Param({"1"})
    public int clients;

    DatagramChannel echo;
    Thread echoThread;
    UdpRelay relay;
    NettyEpollRelay nettyRelay;
    DatagramChannel[] client;
    Selector[] selector;
    final ByteBuffer out = ByteBuffer.allocateDirect(PAYLOAD);
    final ByteBuffer in = ByteBuffer.allocateDirect(2048);
    long lost;
    long sent;
    long sentAtStart;
    long relayAllocatedAtStart;
    long[] relayThreads = new long[0];
    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    /** Forwards every client to one upstream, a leg per client address. */
    static final class ForwardAll implements RelayHandler {
        final RelayWorker worker;
        final InetSocketAddress upstream;
        final Map<InetSocketAddress, RelayLeg> legs = new HashMap<>();

        ForwardAll(RelayWorker worker, InetSocketAddress upstream) {
            this.worker = worker;
            this.upstream = upstream;
        }

        @Override
        public void onClientPacket(ByteBuffer packet, InetSocketAddress from) {
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
        }
    }

    @Setup
    public void setup() throws IOException {
        echo = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        InetSocketAddress echoAddress = (InetSocketAddress) echo.getLocalAddress();
        echoThread = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(2048);
            try {
                while (true) {
                    buf.clear();
                    SocketAddress from = echo.receive(buf);
                    buf.flip();
                    echo.send(buf, from);
                }
            } catch (ClosedChannelException e) {
                // closed by tearDown
            } catch (IOException e) {
                e.printStackTrace();
            }
        }, "echo-origin");
        echoThread.setDaemon(true);
        echoThread.start();

        InetSocketAddress target = echoAddress;
        if ("relay".equals(path) && "netty".equals(transport)) {
            try {
                nettyRelay = NettyEpollRelay.start(new InetSocketAddress(LOOPBACK, 0), echoAddress);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while binding the Netty relay", e);
            }
            target = nettyRelay.localAddress();
            System.out.println("[relay] transport netty-epoll");
        } else if ("relay".equals(path)) {
            relay = UdpRelay.builder()
                    .bind(new InetSocketAddress(LOOPBACK, 0))
                    .workers(1)
                    .legIdleTimeout(Duration.ofMinutes(10))
                    .handler(w -> new ForwardAll(w, echoAddress))
                    .transport(UdpTransport.parse(transport))
                    .name("bench-relay")
                    .build().start();
            target = relay.localAddress();
            System.out.println("[relay] transport " + relay.transportInUse());
        }
        Fixtures.check(WINDOW % clients == 0, "clients must divide the window " + WINDOW);
        client = new DatagramChannel[clients];
        selector = new Selector[clients];
        for (int c = 0; c < clients; c++) {
            client[c] = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
            client[c].connect(target);
            client[c].configureBlocking(false);
            selector[c] = Selector.open();
            client[c].register(selector[c], SelectionKey.OP_READ);
        }
        for (int i = 0; i < PAYLOAD; i++) {
            out.put(i, (byte) (0x80 | (i & 0x3F)));
        }
        for (int c = 0; c < clients; c++) {
            send(c);
            Fixtures.check(receive(c) == PAYLOAD, "a first round trip through " + path);
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        if (lost > 0) {
            System.out.println("[" + path + "] datagrams lost or timed out: " + lost);
        }
        if (relay != null) {
            System.out.println("[relay] " + relay.stats());
            relay.close();
        }
        if (nettyRelay != null) {
            System.out.println("[relay] " + nettyRelay.stats());
            nettyRelay.close();
        }
        for (int c = 0; c < clients; c++) {
            selector[c].close();
            client[c].close();
        }
        echo.close();
    }

    private void send(int c) throws IOException {
        out.clear();
        client[c].write(out);
        sent++;
    }

    /**
     * The relay's own allocation, apart from the client's and the echo origin's (which
     * {@code -prof gc} adds in): the bytes the relay's event-loop thread allocated during the
     * iteration, per datagram sent (one datagram to the origin and its echo back).
     */
    @Setup(Level.Iteration)
    public void markRelayAllocation() {
        relayThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("bench-relay") || t.getName().startsWith("netty-relay"))
                .mapToLong(Thread::getId).toArray();
        relayAllocatedAtStart = relayAllocatedBytes();
        sentAtStart = sent;
    }

    @TearDown(Level.Iteration)
    public void reportRelayAllocation() {
        if (relayThreads.length == 0) {
            return;
        }
        long bytes = relayAllocatedBytes() - relayAllocatedAtStart;
        long datagrams = sent - sentAtStart;
        System.out.printf("[relay thread] %.4f B per datagram relayed both ways (%d B over %d)%n",
                datagrams == 0 ? 0.0 : (double) bytes / datagrams, bytes, datagrams);
    }

    private long relayAllocatedBytes() {
        long sum = 0;
        for (long id : relayThreads) {
            sum += Math.max(0, THREADS.getThreadAllocatedBytes(id));
        }
        return sum;
    }

    /** @return bytes of one datagram received, or -1 after a 1 s timeout (counted as lost) */
    private int receive(int c) throws IOException {
        while (true) {
            in.clear();
            int n = client[c].read(in);
            if (n > 0) {
                return n;
            }
            if (selector[c].select(IGNORE, TIMEOUT_MS) == 0) {
                lost++;
                return -1;
            }
        }
    }

    /** One 1200-byte datagram client → (relay →) echo → (relay →) client. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int roundTrip() throws IOException {
        send(0);
        return receive(0);
    }

    /**
     * {@value #WINDOW} datagrams in flight, round-robin over the clients: send them all, then
     * receive them all. One op = one datagram relayed to the origin and its echo relayed back
     * (2 relay forwards).
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(WINDOW)
    public int window() throws IOException {
        int n = clients;
        for (int i = 0; i < WINDOW; i++) {
            send(i % n);
        }
        int got = 0;
        for (int i = 0; i < WINDOW; i++) {
            if (receive(i % n) < 0) {
                break;
            }
            got++;
        }
        return got;
    }
}
