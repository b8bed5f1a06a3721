package dev.originproxy.core.tcp;

import dev.originproxy.core.relay.api.TcpRelayStats;
import dev.originproxy.core.relay.api.TcpCloseReason;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TcpRelayTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ConcurrentLinkedQueue<TcpCloseReason> closes = new ConcurrentLinkedQueue<>();

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

    /** Splices every accepted connection to {@code origin} once the origin connection is up. */
    private final class SpliceTo implements TcpHandler {
        private final InetSocketAddress origin;
        private TcpConnection client;

        SpliceTo(InetSocketAddress origin) {
            this.origin = origin;
        }

        @Override
        public void onOpen(TcpConnection c) {
            client = c;
            c.suspendRead();
            try {
                c.worker().connect(origin, this);
            } catch (IOException e) {
                c.abort();
            }
        }

        @Override
        public void onConnected(TcpConnection upstream) {
            upstream.splice(client);
        }

        @Override
        public void onData(TcpConnection c, ByteBuffer data) {
            throw new AssertionError("spliced connections get no data");
        }

        @Override
        public void onClosed(TcpConnection c, TcpCloseReason reason) {
            closes.add(reason);
            if (c != client && !client.isClosed() && client.partner() == null) {
                client.abort(); // the origin connect failed
            }
        }
    }

    private TcpRelay.Builder relay(TcpHandlerFactory factory) {
        return TcpRelay.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(2).handler(factory);
    }

    private TcpRelay start(TcpRelay.Builder b) throws IOException {
        return track(b.build().start());
    }

    private ServerSocket origin() throws IOException {
        return track(new ServerSocket(0, 50, LOOPBACK));
    }

    private static InetSocketAddress addressOf(ServerSocket s) {
        return new InetSocketAddress(LOOPBACK, s.getLocalPort());
    }

    private Socket connect(TcpRelay r) throws IOException {
        Socket s = track(new Socket());
        s.connect(r.localAddress(), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertThat(b).hasSize(n);
        return b;
    }

    @Test
    void splicesBytesBothWaysAndCountsThem() throws Exception {
        ServerSocket origin = origin();
        TcpRelay r = start(relay(c -> new SpliceTo(addressOf(origin))));
        Socket client = connect(r);
        Socket up = track(origin.accept());
        up.setSoTimeout(5000);

        client.getOutputStream().write("hello origin".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(readFully(up.getInputStream(), 12), StandardCharsets.US_ASCII)).isEqualTo("hello origin");
        byte[] big = new byte[3_000_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        Thread writer = new Thread(() -> {
            try {
                up.getOutputStream().write(big);
            } catch (IOException ignored) {
                // the assertion below fails instead
            }
        });
        writer.start();
        assertThat(readFully(client.getInputStream(), big.length)).isEqualTo(big);
        writer.join(5000);

        TcpRelayStats s = r.stats();
        assertThat(s.accepted()).isEqualTo(1);
        assertThat(s.connected()).isEqualTo(1);
        assertThat(s.openConnections()).isEqualTo(2);
        assertThat(s.bytesIn()).isEqualTo(12 + big.length);
        assertThat(s.bytesOut()).isEqualTo(12 + big.length);
    }

    @Test
    void slowReaderStopsItsSourceAndKeepsQueuedBytesBounded() throws Exception {
        ServerSocket origin = origin();
        long max = 256 << 10;
        TcpRelay r = start(relay(c -> new SpliceTo(addressOf(origin)))
                .maxBufferedBytes(max).writeHighWater(128 << 10).writeStallTimeout(Duration.ofSeconds(30)));
        Socket client = track(new Socket()); // does not read until told
        client.setReceiveBufferSize(64 << 10);
        client.connect(r.localAddress(), 2000);
        client.setSoTimeout(5000);
        Socket up = track(origin.accept());
        AtomicLong sent = new AtomicLong();
        Thread writer = new Thread(() -> {
            byte[] chunk = new byte[16 << 10];
            try {
                OutputStream out = up.getOutputStream();
                for (int i = 0; i < 64 * 16; i++) { // 16 MiB, far beyond every buffer on the way
                    out.write(chunk);
                    sent.addAndGet(chunk.length);
                }
            } catch (IOException ignored) {
                // closed by the test's end
            }
        }, "origin-writer");
        writer.setDaemon(true);
        writer.start();

        // the origin's writes stall: the proxy stopped reading it once the client's queue was full
        long last = -1;
        for (int i = 0; i < 100 && sent.get() != last; i++) {
            last = sent.get();
            Thread.sleep(100);
        }
        assertThat(sent.get()).as("origin stalled").isLessThan(16L << 20);
        TcpRelayStats s = r.stats();
        assertThat(s.bufferedBytes()).isGreaterThan(0).isLessThanOrEqualTo(max);
        assertThat(s.closes()).isEmpty();

        // once the client reads, everything arrives and the origin finishes
        InputStream in = client.getInputStream();
        byte[] buf = new byte[64 << 10];
        long got = 0;
        while (got < 16L << 20) {
            int n = in.read(buf);
            assertThat(n).isPositive();
            got += n;
        }
        assertThat(sent.get()).isEqualTo(16L << 20);
    }

    @Test
    void peerThatNeverReadsIsResetAfterTheWriteStallTimeout() throws Exception {
        ServerSocket origin = origin();
        TcpRelay r = start(relay(c -> new SpliceTo(addressOf(origin)))
                .maxBufferedBytes(128 << 10).writeHighWater(64 << 10).writeStallTimeout(Duration.ofMillis(500)));
        Socket client = connect(r);
        client.setReceiveBufferSize(8 << 10);
        Socket up = track(origin.accept());
        Thread writer = new Thread(() -> {
            try {
                byte[] chunk = new byte[16 << 10];
                while (true) {
                    up.getOutputStream().write(chunk);
                }
            } catch (IOException expected) {
                // reset when the proxy gives up on the client
            }
        });
        writer.setDaemon(true);
        writer.start();
        await("write stall close", () -> closes.contains(TcpCloseReason.WRITE_STALL));
        await("partner closed", () -> closes.contains(TcpCloseReason.PARTNER_CLOSED));
        writer.join(5000);
        assertThat(writer.isAlive()).isFalse();
        assertThat(r.stats().closed(TcpCloseReason.WRITE_STALL)).isEqualTo(1);
        await("all closed", () -> r.stats().openConnections() == 0 && r.stats().bufferedBytes() == 0);
    }

    @Test
    void connectToABlackholeTimesOut() throws Exception {
        // a listener that never accepts, with its backlog full: the kernel drops further SYNs
        ServerSocketChannel full = track(ServerSocketChannel.open());
        full.bind(new InetSocketAddress(LOOPBACK, 0), 1);
        InetSocketAddress blackhole = (InetSocketAddress) full.getLocalAddress();
        List<SocketChannel> fillers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            SocketChannel f = track(SocketChannel.open());
            f.configureBlocking(false);
            f.connect(blackhole);
            fillers.add(f);
        }
        Thread.sleep(200);
        TcpRelay r = start(relay(c -> new SpliceTo(blackhole)).connectTimeout(Duration.ofMillis(400)));
        long t0 = System.nanoTime();
        Socket client = connect(r);
        try {
            assertThat(client.getInputStream().read()).as("closed after the connect timeout").isEqualTo(-1);
        } catch (SocketException reset) {
            // the handler aborts its client: a reset is the expected signal too
        }
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(tookMillis).isGreaterThanOrEqualTo(300);
        await("counted", () -> r.stats().closed(TcpCloseReason.CONNECT_TIMEOUT) == 1);
        assertThat(closes).contains(TcpCloseReason.CONNECT_TIMEOUT);
    }

    @Test
    void refusedConnectIsCountedAndTheClientClosed() throws Exception {
        ServerSocket gone = new ServerSocket(0, 1, LOOPBACK);
        InetSocketAddress dead = addressOf(gone);
        gone.close();
        TcpRelay r = start(relay(c -> new SpliceTo(dead)));
        try {
            Socket client = connect(r);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        } catch (SocketException reset) {
            // aborted: also fine
        }
        await("counted", () -> r.stats().closed(TcpCloseReason.CONNECT_FAILED) == 1);
        await("all closed", () -> r.stats().openConnections() == 0);
    }

    @Test
    void halfCloseIsForwardedAndTheOtherDirectionKeepsFlowing() throws Exception {
        ServerSocket origin = origin();
        TcpRelay r = start(relay(c -> new SpliceTo(addressOf(origin))));
        Socket client = connect(r);
        Socket up = track(origin.accept());
        up.setSoTimeout(5000);
        client.getOutputStream().write("request".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();
        assertThat(up.getInputStream().readAllBytes()).asString(StandardCharsets.US_ASCII).isEqualTo("request");
        // the origin still answers after the client's FIN
        up.getOutputStream().write("response".getBytes(StandardCharsets.US_ASCII));
        up.shutdownOutput();
        assertThat(client.getInputStream().readAllBytes()).asString(StandardCharsets.US_ASCII).isEqualTo("response");
        await("both closed cleanly", () -> r.stats().closed(TcpCloseReason.CLOSED) == 2);
        assertThat(r.stats().openConnections()).isZero();
    }

    @Test
    void resetFromTheClientResetsTheOrigin() throws Exception {
        ServerSocket origin = origin();
        TcpRelay r = start(relay(c -> new SpliceTo(addressOf(origin))));
        Socket client = connect(r);
        Socket up = track(origin.accept());
        up.setSoTimeout(5000);
        client.getOutputStream().write(1);
        assertThat(up.getInputStream().read()).isEqualTo(1);
        client.setSoLinger(true, 0);
        client.close();
        assertThatThrownBy(() -> {
            while (up.getInputStream().read() >= 0) {
                // drain until the reset arrives
            }
            throw new AssertionError("clean EOF instead of a reset");
        }).isInstanceOf(SocketException.class);
        await("counted", () -> r.stats().closed(TcpCloseReason.RESET) == 1
                && r.stats().closed(TcpCloseReason.PARTNER_CLOSED) == 1);
    }

    @Test
    void idleConnectionIsClosed() throws Exception {
        ServerSocket origin = origin();
        TcpRelay r = start(relay(c -> new SpliceTo(addressOf(origin))).idleTimeout(Duration.ofMillis(300)));
        Socket client = connect(r);
        Socket up = track(origin.accept());
        up.setSoTimeout(5000);
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        assertThat(up.getInputStream().read()).isEqualTo(-1);
        await("counted", () -> r.stats().closed(TcpCloseReason.IDLE_TIMEOUT) >= 1);
        await("all closed", () -> r.stats().openConnections() == 0);
    }

    @Test
    void connectionsBeyondTheMaximumAreClosedAndCounted() throws Exception {
        TcpRelay r = start(relay(c -> new Framed()).maxConnections(3));
        List<Socket> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(connect(r));
        }
        await("three open", () -> r.stats().openConnections() == 3);
        Socket fourth = connect(r);
        assertThat(fourth.getInputStream().read()).isEqualTo(-1);
        await("counted", () -> r.stats().closed(TcpCloseReason.CONNECTION_LIMIT) == 1);
        open.get(0).close();
        await("slot freed", () -> r.stats().openConnections() == 2);
        Socket fifth = connect(r);
        fifth.getOutputStream().write(new byte[] {0, 1, 'x'});
        assertThat(readFully(fifth.getInputStream(), 3)).containsExactly(0, 1, 'x');
    }

    /** Echoes length-prefixed frames (2-byte length) only when a whole frame is there. */
    private final class Framed implements TcpHandler {
        final List<Integer> frameSizesSeen = new ArrayList<>();

        @Override
        public void onData(TcpConnection c, ByteBuffer data) {
            while (data.remaining() >= 2) {
                int len = data.getShort(data.position()) & 0xFFFF;
                if (data.remaining() < 2 + len) {
                    return;
                }
                ByteBuffer frame = data.duplicate();
                frame.limit(data.position() + 2 + len);
                data.position(frame.limit());
                frameSizesSeen.add(len);
                c.write(frame);
            }
        }

        @Override
        public void onClosed(TcpConnection c, TcpCloseReason reason) {
            closes.add(reason);
        }
    }

    @Test
    void handlerGetsUnconsumedBytesAgainWithTheNextOnes() throws Exception {
        TcpRelay r = start(relay(c -> new Framed()));
        Socket client = connect(r);
        OutputStream out = client.getOutputStream();
        byte[] frame = new byte[2 + 1000];
        frame[0] = (byte) (1000 >> 8);
        frame[1] = (byte) (1000 & 0xFF);
        for (int i = 2; i < frame.length; i++) {
            frame[i] = (byte) i;
        }
        for (int split : new int[] {1, 2, 500, 1001}) {
            out.write(frame, 0, split);
            out.flush();
            Thread.sleep(20);
            out.write(frame, split, frame.length - split);
            assertThat(readFully(client.getInputStream(), frame.length)).isEqualTo(frame);
        }
    }

    @Test
    void unitLargerThanTheInputBufferClosesWithInputOverflow() throws Exception {
        TcpRelay r = start(relay(c -> new Framed()).bufferSize(1024));
        Socket client = connect(r);
        byte[] frame = new byte[2 + 4000];
        frame[0] = (byte) (4000 >> 8);
        frame[1] = (byte) (4000 & 0xFF);
        client.getOutputStream().write(frame);
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        await("counted", () -> r.stats().closed(TcpCloseReason.INPUT_OVERFLOW) == 1);
    }

    @Test
    void suspendedReadKeepsLeftoverAndRedeliversOnResume() throws Exception {
        AtomicReference<TcpConnection> conn = new AtomicReference<>();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        TcpRelay r = start(relay(c -> new TcpHandler() {
            @Override
            public void onOpen(TcpConnection connection) {
                conn.set(connection);
            }

            @Override
            public void onData(TcpConnection connection, ByteBuffer data) {
                // consume one byte per call and pause: the rest must come back after resume
                seen.add(String.valueOf((char) data.get()));
                connection.suspendRead();
            }
        }));
        Socket client = connect(r);
        client.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
        await("first byte", () -> seen.size() == 1);
        Thread.sleep(100);
        assertThat(seen).containsExactly("a");
        for (int i = 2; i <= 3; i++) {
            TcpConnection c = conn.get();
            c.worker().execute(c::resumeRead);
            int want = i;
            await("byte " + i, () -> seen.size() == want);
        }
        assertThat(seen).containsExactly("a", "b", "c");
    }

    @Test
    void writingBeyondTheMaximumClosesWithBufferLimit() throws Exception {
        TcpRelay r = start(relay(c -> new TcpHandler() {
            @Override
            public void onData(TcpConnection connection, ByteBuffer data) {
                data.position(data.limit());
                ByteBuffer junk = ByteBuffer.allocate(64 << 10);
                for (int i = 0; i < 1000 && !connection.isClosed(); i++) {
                    junk.clear();
                    connection.write(junk); // ignores isWritable(): the hard bound catches it
                }
            }

            @Override
            public void onClosed(TcpConnection connection, TcpCloseReason reason) {
                closes.add(reason);
            }
        }).maxBufferedBytes(512 << 10));
        Socket client = connect(r);
        client.setReceiveBufferSize(8 << 10);
        client.getOutputStream().write(1);
        await("closed", () -> closes.contains(TcpCloseReason.BUFFER_LIMIT));
        assertThat(r.stats().bufferedBytes()).isZero();
    }

    @Test
    void throwingHandlerClosesOnlyItsConnection() throws Exception {
        TcpRelay r = start(relay(c -> new TcpHandler() {
            @Override
            public void onData(TcpConnection connection, ByteBuffer data) {
                if (data.get(data.position()) == 'X') {
                    throw new IllegalStateException("bug");
                }
                connection.write(data);
            }
        }).workers(1));
        Socket bad = connect(r);
        Socket good = connect(r);
        bad.getOutputStream().write('X');
        try {
            assertThat(bad.getInputStream().read()).isEqualTo(-1);
        } catch (SocketException reset) {
            // aborted with RST: fine
        }
        good.getOutputStream().write('g');
        assertThat(good.getInputStream().read()).isEqualTo('g');
        await("counted", () -> r.stats().closed(TcpCloseReason.HANDLER_ERROR) == 1);
    }

    @Test
    void deadlineClosesAConnectionThatDidNotFinishInTime() throws Exception {
        TcpRelay r = start(relay(c -> new TcpHandler() {
            @Override
            public void onOpen(TcpConnection connection) {
                connection.deadline(connection.worker().nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
            }

            @Override
            public void onData(TcpConnection connection, ByteBuffer data) {
                data.position(data.limit());
            }
        }));
        Socket client = connect(r);
        client.getOutputStream().write(1); // activity does not postpone a deadline
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        await("counted", () -> r.stats().closed(TcpCloseReason.DEADLINE) == 1);
    }

    @Test
    void connectOffTheWorkerThreadIsRefused() throws Exception {
        TcpRelay r = start(relay(c -> new Framed()));
        assertThatThrownBy(() -> r.workers().get(0).connect(r.localAddress(), new Framed()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void thousandConnectCloseCyclesLeaveNoDescriptor() throws Exception {
        ServerSocket origin = origin();
        Thread acceptor = new Thread(() -> {
            while (!origin.isClosed()) {
                try (Socket s = origin.accept()) {
                    s.getInputStream().read();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        TcpRelay r = start(relay(c -> new SpliceTo(addressOf(origin))));
        // warm up (class loading, selector internals), then measure
        cycle(r, 20);
        await("warm-up closed", () -> r.stats().openConnections() == 0);
        long before = openDescriptors();
        cycle(r, 1000);
        await("all closed", () -> r.stats().openConnections() == 0);
        await("descriptors back", () -> openDescriptorsUnchecked() <= before);
        assertThat(r.stats().accepted()).isEqualTo(1020);
        assertThat(r.stats().bufferedBytes()).isZero();
    }

    private static void cycle(TcpRelay r, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket()) {
                s.connect(r.localAddress(), 2000);
                s.getOutputStream().write(i & 0x7F);
            }
        }
    }

    private static long openDescriptorsUnchecked() {
        try {
            return openDescriptors();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void closeEndsEveryConnectionWithShutdown() throws Exception {
        ServerSocket origin = origin();
        TcpRelay r = relay(c -> new SpliceTo(addressOf(origin))).build().start();
        Socket client = connect(r);
        Socket up = track(origin.accept());
        up.setSoTimeout(5000);
        await("spliced", () -> r.stats().connected() == 1); // else the handler resets its client itself
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            r.close();
            done.countDown();
        });
        t.start();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        assertThat(up.getInputStream().read()).isEqualTo(-1);
        assertThat(closes).containsOnly(TcpCloseReason.SHUTDOWN);
        assertThat(closes).hasSize(2);
    }
}
