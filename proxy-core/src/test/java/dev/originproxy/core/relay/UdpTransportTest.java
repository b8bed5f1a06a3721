package dev.originproxy.core.relay;

import dev.originproxy.core.relay.api.UdpTransport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The transport seam: the relay runs on the transport the build asks for (CI runs this package
 * once on NIO and once with {@code -Doriginproxy.udp.transport=mmsg} under a JDK 22+), and
 * whichever runs relays batches, large datagrams, IPv6 and dual-stack senders alike.
 */
class UdpTransportTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
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

    /** Echoes every datagram unchanged, up to 65,507 bytes. */
    private DatagramSocket echo(InetAddress on) throws IOException {
        DatagramSocket s = track(new DatagramSocket(new InetSocketAddress(on, 0)));
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65_536];
            while (!s.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    s.receive(p);
                    s.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private UdpRelay relay(InetSocketAddress bind, InetSocketAddress upstream) throws IOException {
        return track(UdpRelay.builder()
                .bind(bind)
                .workers(1)
                .handler(w -> new UdpRelayTest.ForwardAll(w, upstream, new ConcurrentLinkedQueue<>()))
                .build().start());
    }

    @Test
    void runsTheTransportTheBuildAsksFor() throws Exception {
        DatagramSocket origin = echo(LOOPBACK);
        UdpRelay relay = relay(new InetSocketAddress(LOOPBACK, 0), (InetSocketAddress) origin.getLocalSocketAddress());
        String asked = System.getProperty(UdpTransport.PROPERTY, "auto");
        if (asked.equals("auto")) {
            assertThat(relay.transportInUse()).isEqualTo(Runtime.version().feature() >= 22 ? "mmsg" : "nio");
        } else {
            assertThat(relay.transportInUse()).isEqualTo(asked);
        }
    }

    @Test
    void nioWhenAskedForIt() throws Exception {
        UdpRelay relay = track(UdpRelay.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1)
                .transport(UdpTransport.NIO)
                .handler(w -> new UdpRelayTest.ForwardAll(w, new InetSocketAddress(LOOPBACK, 9), null))
                .build().start());
        assertThat(relay.transportInUse()).isEqualTo("nio");
    }

    @Test
    void mmsgAskedWhereItCannotRunFailsToStartWithTheReason() {
        assumeTrue(Runtime.version().feature() < 22, "the fast path can run on this JDK");
        UdpRelay relay = UdpRelay.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1)
                .transport(UdpTransport.MMSG)
                .handler(w -> new UdpRelayTest.ForwardAll(w, new InetSocketAddress(LOOPBACK, 9), null))
                .build();
        assertThatThrownBy(relay::start).isInstanceOf(IOException.class).hasMessageContaining("Java 22");
    }

    @Test
    void parsesTheSettingAndNamesTheKnownValues() {
        assertThat(UdpTransport.parse(" MMSG ")).isEqualTo(UdpTransport.MMSG);
        assertThat(UdpTransport.parse("nio")).isEqualTo(UdpTransport.NIO);
        assertThatThrownBy(() -> UdpTransport.parse("epoll")).hasMessageContaining("auto, nio, mmsg");
    }

    @Test
    void relaysABurstOfSeveralBatchesInOrderFromManyClients() throws Exception {
        DatagramSocket origin = echo(LOOPBACK);
        UdpRelay relay = relay(new InetSocketAddress(LOOPBACK, 0), (InetSocketAddress) origin.getLocalSocketAddress());
        List<DatagramSocket> clients = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            DatagramSocket s = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
            s.setSoTimeout(3000);
            s.setReceiveBufferSize(1 << 20);
            clients.add(s);
        }
        // rounds of 100 datagrams in flight (more than one 64-datagram batch), interleaved over
        // 10 clients, few enough to stay inside the default loopback socket buffers
        int rounds = 15;
        int perRound = 10;
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < perRound; i++) {
                for (DatagramSocket s : clients) {
                    byte[] b = ByteBuffer.allocate(8).putInt(s.getLocalPort()).putInt(r * perRound + i).array();
                    s.send(new DatagramPacket(b, b.length, relay.localAddress()));
                }
            }
            for (DatagramSocket s : clients) {
                Set<Integer> seen = new HashSet<>();
                for (int i = 0; i < perRound; i++) {
                    DatagramPacket p = new DatagramPacket(new byte[64], 64);
                    s.receive(p);
                    ByteBuffer in = ByteBuffer.wrap(p.getData(), 0, p.getLength());
                    assertThat(p.getSocketAddress()).isEqualTo(relay.localAddress());
                    assertThat(in.getInt()).as("no datagram reaches another client").isEqualTo(s.getLocalPort());
                    seen.add(in.getInt());
                }
                assertThat(seen).hasSize(perRound);
            }
        }
        assertThat(relay.stats().droppedTotal()).isZero();
    }

    @Test
    void relaysAnOriginBurstOnOneLegWholeAndInOrder() throws Exception {
        // the origin answers one datagram with a burst: the leg's socket then holds a backlog of
        // several batches, which must all reach the client, in order
        DatagramSocket origin = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        int burst = 200;
        Thread t = new Thread(() -> {
            try {
                DatagramPacket first = new DatagramPacket(new byte[64], 64);
                origin.receive(first);
                for (int i = 0; i < burst; i++) {
                    byte[] b = ByteBuffer.allocate(4).putInt(i).array();
                    origin.send(new DatagramPacket(b, b.length, first.getSocketAddress()));
                }
            } catch (IOException e) {
                // closed by the test
            }
        }, "burst-origin");
        t.setDaemon(true);
        t.start();
        UdpRelay relay = relay(new InetSocketAddress(LOOPBACK, 0), (InetSocketAddress) origin.getLocalSocketAddress());
        DatagramSocket client = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        client.setSoTimeout(3000);
        client.setReceiveBufferSize(1 << 20);
        client.send(new DatagramPacket(new byte[] {1}, 1, relay.localAddress()));
        for (int i = 0; i < burst; i++) {
            DatagramPacket p = new DatagramPacket(new byte[16], 16);
            client.receive(p);
            assertThat(ByteBuffer.wrap(p.getData(), 0, p.getLength()).getInt()).isEqualTo(i);
        }
        assertThat(relay.stats().droppedTotal()).isZero();
    }

    @Test
    void relaysTheLargestDatagramUnchanged() throws Exception {
        DatagramSocket origin = echo(LOOPBACK);
        UdpRelay relay = relay(new InetSocketAddress(LOOPBACK, 0), (InetSocketAddress) origin.getLocalSocketAddress());
        DatagramSocket client = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        client.setSoTimeout(3000);
        byte[] big = new byte[65_507];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        client.send(new DatagramPacket(big, big.length, relay.localAddress()));
        DatagramPacket p = new DatagramPacket(new byte[70_000], 70_000);
        client.receive(p);
        assertThat(p.getLength()).isEqualTo(big.length);
        assertThat(java.util.Arrays.copyOf(p.getData(), p.getLength())).isEqualTo(big);
    }

    @Test
    void dualStackWildcardSeesIpv4ClientsAsIpv4() throws Exception {
        DatagramSocket origin = echo(LOOPBACK);
        List<InetSocketAddress> senders = new ArrayList<>();
        UdpRelay relay = track(UdpRelay.builder().bind(new InetSocketAddress(0)).workers(1)
                .handler(w -> {
                    RelayHandler forward = new UdpRelayTest.ForwardAll(w,
                            (InetSocketAddress) origin.getLocalSocketAddress(), new ConcurrentLinkedQueue<>());
                    return new RelayHandler() {
                        @Override
                        public void onClientPacket(ByteBuffer packet, InetSocketAddress from) {
                            synchronized (senders) {
                                senders.add(from);
                            }
                            forward.onClientPacket(packet, from);
                        }

                        @Override
                        public void onUpstreamPacket(RelayLeg leg, ByteBuffer packet) {
                            forward.onUpstreamPacket(leg, packet);
                        }
                    };
                })
                .build().start());
        DatagramSocket client = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        client.setSoTimeout(3000);
        InetSocketAddress to = new InetSocketAddress(LOOPBACK, relay.localAddress().getPort());
        for (int i = 0; i < 3; i++) {
            client.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, to));
            DatagramPacket p = new DatagramPacket(new byte[16], 16);
            client.receive(p);
            assertThat(p.getLength()).isEqualTo(3);
        }
        synchronized (senders) {
            assertThat(senders).hasSize(3).allSatisfy(a -> {
                assertThat(a.getAddress()).isEqualTo(LOOPBACK);
                assertThat(a.getPort()).isEqualTo(client.getLocalPort());
            });
        }
    }

    @Test
    void relaysIpv6Clients() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        DatagramSocket client;
        try {
            client = track(new DatagramSocket(new InetSocketAddress(v6, 0)));
        } catch (SocketException e) {
            assumeTrue(false, "no IPv6 loopback here: " + e);
            return;
        }
        DatagramSocket origin = echo(v6);
        UdpRelay relay = relay(new InetSocketAddress(v6, 0), (InetSocketAddress) origin.getLocalSocketAddress());
        assertThat(relay.localAddress().getAddress()).isInstanceOf(Inet6Address.class);
        client.setSoTimeout(3000);
        for (int i = 0; i < 3; i++) {
            client.send(new DatagramPacket(new byte[] {9, (byte) i}, 2, relay.localAddress()));
            DatagramPacket p = new DatagramPacket(new byte[16], 16);
            client.receive(p);
            assertThat(p.getLength()).isEqualTo(2);
            assertThat(p.getData()[1]).isEqualTo((byte) i);
        }
        assertThat(relay.openLegs()).isEqualTo(1);
    }
}
