package dev.originproxy.srt.router;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.core.session.SessionRefusedException;
import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.SrtPacket;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** Java SRT peers over loopback for the router's state-machine tests (no libsrt). */
final class SrtPeers {
    static final Random RANDOM = new Random();

    private SrtPeers() {
    }

    /** Polls {@code condition} every 10 ms until it holds or the deadline passes. */
    static boolean await(BooleanSupplier condition, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    static int nonZero() {
        int v;
        do {
            v = RANDOM.nextInt() & 0x7FFFFFFF;
        } while (v == 0);
        return v;
    }

    static SrtHandshake handshake(byte[] bytes) {
        SrtHandshake hs = new SrtHandshake();
        if (!hs.wrap(ByteBuffer.wrap(bytes), 0, bytes.length)) {
            throw new AssertionError("not a handshake: " + bytes.length + " bytes");
        }
        return hs;
    }

    /** An origin whose SRT endpoint is {@code address}. */
    static OriginServer origin(String id, InetSocketAddress address) {
        return new OriginServer(id, null, address.getAddress().getHostAddress(),
                Map.of(OriginProtocol.SRT, List.of(new OriginEndpoint(OriginEndpoint.Transport.UDP,
                        address.getAddress().getHostAddress(), address.getPort()))),
                Instant.now());
    }

    /** A placement by stream name ({@code StreamKey.stream()}), counting its picks. */
    static class Placement implements StreamPlacement {
        final Map<String, OriginServer> byStream = new ConcurrentHashMap<>();
        final AtomicInteger picks = new AtomicInteger();

        Placement put(String stream, OriginServer origin) {
            byStream.put(stream, origin);
            return this;
        }

        @Override
        public OriginServer pick(StreamKey key) {
            picks.incrementAndGet();
            OriginServer o = byStream.get(key.stream());
            if (o == null) {
                throw new NoOriginAvailableException("no origin for " + key);
            }
            return o;
        }

        @Override
        public Map<String, String> placements() {
            return Map.of();
        }
    }

    /** Records lifecycle events; refuses every session when {@link #refuse} is set. */
    static final class Recorder implements SessionListener {
        final List<SessionInfo> starts = new CopyOnWriteArrayList<>();
        final List<String> ends = new CopyOnWriteArrayList<>();
        final List<SessionCounters> endCounters = new CopyOnWriteArrayList<>();
        volatile String refuse;

        @Override
        public void onStart(SessionInfo session) throws SessionRefusedException {
            if (refuse != null) {
                throw new SessionRefusedException(refuse);
            }
            starts.add(session);
        }

        @Override
        public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
            ends.add(session.id() + ":" + reason);
            endCounters.add(counters);
        }

        long endsWith(EndReason reason) {
            return ends.stream().filter(e -> e.endsWith(":" + reason)).count();
        }
    }

    /**
     * A libsrt-like listener on loopback: answers INDUCTION with version 5 and its own cookie,
     * drops a CONCLUSION without that cookie, answers one with it (accept, reject), echoes data.
     */
    static final class TestOrigin implements AutoCloseable {
        enum Mode { ACCEPT, SILENT, REJECT }

        final DatagramSocket socket;
        final int cookie = nonZero();
        final int socketId = nonZero();
        final Mode mode;
        final int rejectReason;
        final long conclusionDelayMillis;
        final AtomicInteger inductions = new AtomicInteger();
        final AtomicInteger conclusions = new AtomicInteger();
        final AtomicInteger badCookies = new AtomicInteger();
        final AtomicInteger dataPackets = new AtomicInteger();
        final AtomicInteger shutdowns = new AtomicInteger();
        final List<byte[]> conclusionsReceived = new CopyOnWriteArrayList<>();
        final List<InetSocketAddress> peers = new CopyOnWriteArrayList<>();
        volatile InetSocketAddress lastPeer;
        volatile int callerSocketId;

        TestOrigin(InetAddress bind, Mode mode, int rejectReason, long conclusionDelayMillis) throws IOException {
            this.socket = new DatagramSocket(new InetSocketAddress(bind, 0));
            this.mode = mode;
            this.rejectReason = rejectReason;
            this.conclusionDelayMillis = conclusionDelayMillis;
            Thread t = new Thread(this::serve, "test-origin-" + mode);
            t.setDaemon(true);
            t.start();
        }

        static TestOrigin accepting() throws IOException {
            return new TestOrigin(InetAddress.getLoopbackAddress(), Mode.ACCEPT, 0, 0);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        private void serve() {
            byte[] buf = new byte[2048];
            SrtPacket packet = new SrtPacket();
            SrtHandshake hs = new SrtHandshake();
            SrtHandshake answer = new SrtHandshake();
            ByteBuffer out = ByteBuffer.allocate(1500);
            while (!socket.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                    if (!peers.contains(from)) {
                        peers.add(from);
                    }
                    ByteBuffer in = ByteBuffer.wrap(p.getData(), 0, p.getLength());
                    if (!packet.wrap(in, 0, p.getLength())) {
                        continue;
                    }
                    if (!packet.isHandshake()) {
                        if (packet.isControl() && packet.controlType() == SrtPacket.CONTROL_SHUTDOWN) {
                            shutdowns.incrementAndGet();
                        } else {
                            dataPackets.incrementAndGet();
                            socket.send(new DatagramPacket(p.getData(), p.getLength(), from));
                        }
                        continue;
                    }
                    if (!hs.wrap(in, 0, p.getLength())) {
                        continue;
                    }
                    byte[] ip = from.getAddress().getAddress();
                    if (hs.isInduction()) {
                        inductions.incrementAndGet();
                        if (mode == Mode.SILENT) {
                            continue;
                        }
                        out.clear();
                        int n = hs.writeInductionResponse(out, 0, out.capacity(), cookie, 0, ip, 1);
                        socket.send(new DatagramPacket(out.array(), n, from));
                    } else if (hs.isConclusion()) {
                        if (hs.synCookie() != cookie) {
                            badCookies.incrementAndGet();
                            continue;
                        }
                        conclusions.incrementAndGet();
                        conclusionsReceived.add(Arrays.copyOf(p.getData(), p.getLength()));
                        lastPeer = from;
                        callerSocketId = hs.srtSocketId();
                        if (mode == Mode.SILENT) {
                            continue;
                        }
                        if (conclusionDelayMillis > 0) {
                            Thread.sleep(conclusionDelayMillis);
                        }
                        out.clear();
                        int n;
                        if (mode == Mode.REJECT) {
                            n = hs.writeRejection(out, 0, out.capacity(), rejectReason, socketId, 2);
                        } else {
                            answer.initialize(out, 0, out.capacity());
                            answer.setTimestamp(2);
                            answer.setDestinationSocketId(hs.srtSocketId());
                            answer.setVersion(SrtHandshake.VERSION_5);
                            answer.setEncryptionField(hs.encryptionField());
                            answer.setExtensionField(SrtHandshake.EXTENSION_FLAG_HSREQ);
                            answer.setInitialSequenceNumber(hs.initialSequenceNumber());
                            answer.setMtu(hs.mtu());
                            answer.setFlowWindow(hs.flowWindow());
                            answer.setHandshakeType(SrtHandshake.TYPE_CONCLUSION);
                            answer.setSrtSocketId(socketId);
                            answer.setSynCookie(cookie);
                            answer.setPeerIp(ip);
                            n = answer.appendHandshakeExtension(SrtHandshake.EXT_HSRSP, 0x00010501, 0xbf, 120, 120);
                        }
                        socket.send(new DatagramPacket(out.array(), n, from));
                    }
                } catch (IOException e) {
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Sends a SHUTDOWN to the proxy's leg, addressed to the caller's socket. */
        void sendShutdown() throws IOException {
            ByteBuffer out = ByteBuffer.allocate(20);
            SrtPacket.writeControlHeader(out, 0, 20, SrtPacket.CONTROL_SHUTDOWN, 0, 0, 3, callerSocketId);
            socket.send(new DatagramPacket(out.array(), 20, lastPeer));
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** An SRT caller written with the codec: sends INDUCTION/CONCLUSION, data and SHUTDOWN. */
    static final class TestCaller implements AutoCloseable {
        final DatagramSocket socket;
        final InetSocketAddress proxy;
        final int socketId = nonZero();
        final int isn = nonZero();

        private final boolean ownsSocket;

        TestCaller(InetSocketAddress proxy) throws IOException {
            this.proxy = proxy;
            this.socket = new DatagramSocket(new InetSocketAddress(proxy.getAddress(), 0));
            this.ownsSocket = true;
        }

        /** A caller sending from another caller's socket (same address and port) to another proxy. */
        TestCaller(InetSocketAddress proxy, DatagramSocket shared) {
            this.proxy = proxy;
            this.socket = shared;
            this.ownsSocket = false;
        }

        byte[] induction() {
            ByteBuffer b = ByteBuffer.allocate(SrtHandshake.LENGTH);
            SrtHandshake hs = new SrtHandshake();
            hs.initialize(b, 0, b.capacity());
            hs.setVersion(SrtHandshake.VERSION_4);
            hs.setExtensionField(2);
            hs.setInitialSequenceNumber(isn);
            hs.setMtu(1500);
            hs.setFlowWindow(8192);
            hs.setHandshakeType(SrtHandshake.TYPE_INDUCTION);
            hs.setSrtSocketId(socketId);
            hs.setPeerIp(proxy.getAddress().getAddress());
            return b.array();
        }

        byte[] conclusion(int cookie, String streamId) {
            return conclusion(cookie, streamId, socketId);
        }

        byte[] conclusion(int cookie, String streamId, int fromSocketId) {
            ByteBuffer b = ByteBuffer.allocate(1500);
            SrtHandshake hs = new SrtHandshake();
            hs.initialize(b, 0, b.capacity());
            hs.setVersion(SrtHandshake.VERSION_5);
            hs.setExtensionField(SrtHandshake.EXTENSION_FLAG_HSREQ
                    | (streamId == null ? 0 : SrtHandshake.EXTENSION_FLAG_CONFIG));
            hs.setInitialSequenceNumber(isn);
            hs.setMtu(1500);
            hs.setFlowWindow(8192);
            hs.setHandshakeType(SrtHandshake.TYPE_CONCLUSION);
            hs.setSrtSocketId(fromSocketId);
            hs.setSynCookie(cookie);
            hs.setPeerIp(proxy.getAddress().getAddress());
            int n = hs.appendHandshakeExtension(SrtHandshake.EXT_HSREQ, 0x00010501, 0xbf, 120, 0);
            if (streamId != null) {
                n = hs.appendStreamId(streamId);
            }
            return Arrays.copyOf(b.array(), n);
        }

        void send(byte[] bytes) throws IOException {
            socket.send(new DatagramPacket(bytes, bytes.length, proxy));
        }

        /** The next datagram within {@code timeout}, or empty. */
        Optional<byte[]> receive(Duration timeout) throws IOException {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
            return Optional.of(Arrays.copyOf(p.getData(), p.getLength()));
        }

        byte[] expect(Duration timeout) throws IOException {
            return receive(timeout).orElseThrow(() -> new AssertionError("no answer within " + timeout));
        }

        /** Sends INDUCTION and returns the proxy's cookie from its answer. */
        int induce() throws IOException {
            send(induction());
            return handshake(expect(Duration.ofSeconds(2))).synCookie();
        }

        /** INDUCTION then CONCLUSION; the answer to the CONCLUSION. */
        byte[] connect(String streamId, Duration timeout) throws IOException {
            int cookie = induce();
            send(conclusion(cookie, streamId));
            return expect(timeout);
        }

        byte[] data(int seq, int destinationSocketId) {
            ByteBuffer b = ByteBuffer.allocate(16 + 100);
            b.putInt(0, seq & 0x7FFFFFFF);
            b.putInt(4, 0xC0000000);
            b.putInt(8, 5);
            b.putInt(12, destinationSocketId);
            return b.array();
        }

        byte[] shutdown(int destinationSocketId) {
            ByteBuffer b = ByteBuffer.allocate(20);
            SrtPacket.writeControlHeader(b, 0, 20, SrtPacket.CONTROL_SHUTDOWN, 0, 0, 9, destinationSocketId);
            return b.array();
        }

        @Override
        public void close() {
            if (ownsSocket) {
                socket.close();
            }
        }
    }
}
