package dev.originproxy.core.relay;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * The portable transport: a {@link Selector} over non-blocking {@link DatagramChannel}s, one
 * {@code recvfrom}/{@code sendto} per datagram.
 *
 * <p>No read that only finds the socket empty after every readiness: each socket gets a read
 * budget. A drain that stops at an empty socket sets the budget to what it found; a drain that
 * uses the whole budget doubles it (up to {@link #MAX_BATCH}) and leaves the rest to the next
 * (level-triggered) select. In a steady flow the {@code EAGAIN} read then happens only when the
 * queue shrinks, and one {@code epoll_wait} covers every socket instead.
 *
 * <p>Worker thread only, except {@link #wakeup()}.
 */
final class NioDatagramIo extends DatagramIo {
    static final int MAX_BATCH = 64;

    /** The factory; {@code selectors} opens each worker's selector (a seam for failure tests). */
    static Factory factory(UdpRelay.SelectorOpener selectors) {
        return new Factory() {
            @Override
            public DatagramIo open(InetSocketAddress bind, boolean reusePort, int socketBufferBytes, int bufferSize)
                    throws IOException {
                return new NioDatagramIo(bind, reusePort, socketBufferBytes, bufferSize, selectors);
            }

            @Override
            public String describe() {
                return "nio";
            }
        };
    }

    private final Selector selector;
    private boolean clockRead;
    private final DatagramChannel listening;
    private final InetSocketAddress localAddress;
    private final ByteBuffer buffer;
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private RelayWorker worker;
    private int listeningBudget = 1;

    private NioDatagramIo(InetSocketAddress bind, boolean reusePort, int socketBufferBytes, int bufferSize,
                          UdpRelay.SelectorOpener selectors) throws IOException {
        DatagramChannel ch = bind.getAddress() != null && !bind.getAddress().isAnyLocalAddress()
                ? DatagramChannel.open(bind.getAddress() instanceof Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET)
                : DatagramChannel.open();
        Selector sel = null;
        try {
            setBuffers(ch, socketBufferBytes);
            if (reusePort) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            ch.bind(bind);
            ch.configureBlocking(false);
            sel = selectors.open();
            ch.register(sel, SelectionKey.OP_READ, null);
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (sel != null) {
                sel.close();
            }
            throw e;
        }
        this.listening = ch;
        this.selector = sel;
        this.localAddress = (InetSocketAddress) ch.getLocalAddress();
        this.buffer = ByteBuffer.allocateDirect(bufferSize);
    }

    static void setBuffers(DatagramChannel ch, int socketBufferBytes) throws IOException {
        if (socketBufferBytes > 0) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, socketBufferBytes);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, socketBufferBytes);
        }
    }

    @Override
    InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    void poll(RelayWorker worker, long timeoutMillis) throws IOException {
        this.worker = worker;
        clockRead = false;
        if (timeoutMillis <= 0) {
            selector.selectNow(onSelected);
        } else {
            selector.select(onSelected, timeoutMillis);
        }
    }

    private void onSelected(SelectionKey key) {
        if (!clockRead) {
            clockRead = true; // once per wake-up, before the first datagram of it
            worker.refreshClock();
        }
        if (!key.isValid()) {
            return;
        }
        Object att = key.attachment();
        if (att == null) {
            readClients();
        } else {
            readUpstream((NioUpstream) att);
        }
    }

    private void readClients() {
        int budget = listeningBudget;
        int n = 0;
        while (n < budget) {
            ByteBuffer buf = buffer;
            buf.clear();
            InetSocketAddress from;
            try {
                from = (InetSocketAddress) listening.receive(buf);
            } catch (IOException e) {
                worker.logError("receive on listening channel failed", e);
                break;
            }
            if (from == null) {
                break;
            }
            n++;
            buf.flip();
            worker.clientDatagram(buf, from);
        }
        listeningBudget = nextBudget(budget, n);
    }

    private void readUpstream(NioUpstream up) {
        RelayLeg leg = up.leg;
        int budget = up.budget;
        int n = 0;
        while (n < budget && leg.isOpen()) {
            ByteBuffer buf = buffer;
            buf.clear();
            int len;
            try {
                len = up.channel.read(buf);
            } catch (PortUnreachableException e) {
                // The origin's port is closed right now (ICMP). Keep the leg: the router decides
                // (origin health: suspect, then end when silent); an origin restarting on the same
                // port resumes the relay.
                leg.dropped++;
                worker.upstreamUnreachable(leg);
                return;
            } catch (IOException e) {
                worker.upstreamFailed(leg);
                return;
            }
            if (len <= 0) {
                break;
            }
            n++;
            buf.flip();
            worker.upstreamDatagram(leg, buf);
        }
        up.budget = nextBudget(budget, n);
    }

    /** Whole budget used: there may be more, try twice as many next time; else what was there. */
    static int nextBudget(int budget, int read) {
        return read >= budget ? Math.min(MAX_BATCH, budget * 2) : Math.max(1, read);
    }

    @Override
    boolean sendToClient(ByteBuffer packet, InetSocketAddress client, RelayLeg leg) {
        int len = packet.remaining();
        try {
            if (listening.send(packet, client) == len) {
                return true;
            }
        } catch (IOException | RuntimeException e) {
            worker.logError("send to client failed", e);
        }
        return false;
    }

    @Override
    UpstreamSocket openUpstream(InetSocketAddress upstream, int socketBufferBytes) throws IOException {
        DatagramChannel ch = DatagramChannel.open(upstream.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            setBuffers(ch, socketBufferBytes);
            ch.configureBlocking(false);
            ch.connect(upstream);
            NioUpstream up = new NioUpstream(ch);
            up.key = ch.register(selector, 0, up);
            return up;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    void flush() {
        // every send went out at once
    }

    @Override
    void wakeup() {
        selector.wakeup(); // the JDK writes the wake-up pipe at most once per select
    }

    @Override
    void close() {
        try {
            listening.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    String describe() {
        return "nio";
    }

    /** A leg's connected channel; its key's attachment is this object. */
    static final class NioUpstream implements UpstreamSocket {
        final DatagramChannel channel;
        SelectionKey key;
        RelayLeg leg;
        int budget = 1;

        NioUpstream(DatagramChannel channel) {
            this.channel = channel;
        }

        @Override
        public void attach(RelayLeg leg) {
            this.leg = leg;
            key.interestOps(SelectionKey.OP_READ);
        }

        @Override
        public boolean send(ByteBuffer packet) {
            int len = packet.remaining();
            try {
                return channel.write(packet) == len;
            } catch (IOException e) {
                // ICMP port unreachable from an earlier datagram shows up here on a connected
                // channel; the datagram is lost, the leg stays: the origin may come back. The
                // router hears of it (origin health) and decides.
                packet.position(packet.limit());
                if (e instanceof PortUnreachableException && leg != null) {
                    leg.worker().upstreamUnreachable(leg);
                }
                return false;
            }
        }

        @Override
        public InetSocketAddress localAddress() {
            try {
                return (InetSocketAddress) channel.getLocalAddress();
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void close() {
            key.cancel();
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
