package dev.originproxy.core.relay;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.originproxy.core.relay.LinuxSockets.*;

/**
 * The batched Linux transport: {@code epoll} for readiness, {@code recvmmsg(2)} to read up to
 * {@value #BATCH} datagrams from a ready socket in one call, and a send queue that
 * {@code sendmmsg(2)} empties at the end of each batch (one call per run of datagrams for the same
 * socket), all through the Foreign Function &amp; Memory API. Only in the Java 22 part of the
 * multi-release jar; {@link DatagramIos} finds it by name.
 *
 * <p>Per datagram nothing is allocated: the receive slots and the send slots are native memory
 * made once, each with a {@link ByteBuffer} view made once; senders come from a
 * {@link SenderAddressCache}; destinations are encoded into the slot's sockaddr in place. A
 * readiness costs one {@code recvmmsg} whatever it finds (no extra read that only finds the
 * socket empty): level-triggered {@code epoll} reports a socket again while it has data.
 *
 * <p>Worker thread only, except {@link #wakeup()} (an {@code eventfd}, written at most once until
 * the worker has seen it).
 */
final class MmsgDatagramIo extends DatagramIo {
    static final int BATCH = 64;
    private static final int MAX_EVENTS = 256;
    private static final long WAKE_VALUE_OFFSET = 0;

    private static final Factory FACTORY = new Factory() {
        @Override
        public DatagramIo open(InetSocketAddress bind, boolean reusePort, int socketBufferBytes, int bufferSize)
                throws IOException {
            return new MmsgDatagramIo(bind, reusePort, socketBufferBytes, bufferSize);
        }

        @Override
        public String describe() {
            return "mmsg";
        }
    };

    /** Called by {@link DatagramIos}: fails here (not later) when FFM or a symbol is missing. */
    static Factory factory() {
        if (LinuxSockets.RECVMMSG == null) {
            throw new UnsupportedOperationException("recvmmsg not bound");
        }
        return FACTORY;
    }

    private final Arena arena = Arena.ofShared();
    /** For what wakeup() callers touch: freed by the GC, never under a caller's feet by close(). */
    private final Arena wakeArena = Arena.ofAuto();
    private final Object wakeLock = new Object();
    final MemorySegment capture;              // errno of this worker's calls (the send queues use it too)
    private final MemorySegment wakeCapture;  // errno of wakeup() callers (value unused)
    private final MemorySegment scratch;      // setsockopt values, sockaddr for bind/connect, socklen
    private final MemorySegment wakeValue;    // 8 bytes: 1 for write, read target
    private final MemorySegment events;
    private final MemorySegment recvHeaders;
    private final MemorySegment recvNames;
    private final MemorySegment recvData;
    private final ByteBuffer[] recvViews = new ByteBuffer[BATCH];
    private final MmsgSendQueue toClients;
    private final MmsgSendQueue toOrigins;
    private final SenderAddressCache senders = new SenderAddressCache();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final int bufferSize;
    private final int family;
    private final int listenFd;
    private final int epollFd;
    private final int eventFd;
    private final InetSocketAddress localAddress;
    private RelayLeg[] legsByFd = new RelayLeg[256];
    RelayWorker worker;
    private boolean closed;

    private MmsgDatagramIo(InetSocketAddress bind, boolean reusePort, int socketBufferBytes, int bufferSize)
            throws IOException {
        this.bufferSize = bufferSize;
        capture = unscoped(newCapture(arena));
        wakeCapture = newCapture(wakeArena);
        scratch = unscoped(arena.allocate(64, 8));
        wakeValue = wakeArena.allocate(8, 8);
        wakeValue.set(ValueLayout.JAVA_LONG, WAKE_VALUE_OFFSET, 1L);
        events = unscoped(arena.allocate(EPOLL_EVENT_SIZE * MAX_EVENTS, 8));
        recvHeaders = unscoped(arena.allocate(MMSGHDR_SIZE * BATCH, 8));
        recvNames = unscoped(arena.allocate(SOCKADDR_SIZE * BATCH, 8));
        MemorySegment recvIov = unscoped(arena.allocate(IOVEC_SIZE * BATCH, 8));
        recvData = LinuxSockets.malloc((long) bufferSize * BATCH);
        for (int i = 0; i < BATCH; i++) {
            MemorySegment r = recvData.asSlice((long) i * bufferSize, bufferSize);
            recvViews[i] = r.asByteBuffer();
            initHeader(recvHeaders, recvIov, i, r, recvNames);
        }
        toClients = new MmsgSendQueue(arena, bufferSize);
        toOrigins = new MmsgSendQueue(arena, bufferSize);
        InetAddress ip = bind.getAddress();
        boolean wildcard = ip == null || ip.isAnyLocalAddress();
        int fam = ip instanceof Inet6Address ? AF_INET6 : AF_INET;
        int fd = -1;
        int ep = -1;
        int ev = -1;
        try {
            if (wildcard) {
                // dual stack like the JDK's DatagramChannel: IPv6 socket, v4 clients IPv4-mapped
                fd = socket(AF_INET6);
                if (fd >= 0) {
                    fam = AF_INET6;
                    setInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
                } else {
                    fam = AF_INET;
                }
            }
            if (fd < 0) {
                fd = socket(fam);
                if (fd < 0) {
                    throw failure("socket", errno(capture));
                }
            }
            setBuffers(fd, socketBufferBytes);
            if (reusePort) {
                setInt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
            }
            int len = wildcard
                    ? writeWildcard(scratch, fam, bind.getPort())
                    : writeSockaddr(scratch, fam, bind);
            if ((int) BIND.invokeExact(capture, fd, scratch, len) < 0) {
                throw new java.net.BindException("cannot bind udp " + bind + ": " + failure("bind", errno(capture)).getMessage());
            }
            scratch.set(ValueLayout.JAVA_INT, 48, (int) SOCKADDR_SIZE);
            if ((int) GETSOCKNAME.invokeExact(capture, fd, scratch, scratch.asSlice(48)) < 0) {
                throw failure("getsockname", errno(capture));
            }
            int port = scratch.get(SHORT_BE, 2) & 0xFFFF;
            ep = (int) EPOLL_CREATE1.invokeExact(capture, EPOLL_CLOEXEC);
            if (ep < 0) {
                throw failure("epoll_create1", errno(capture));
            }
            ev = (int) EVENTFD.invokeExact(capture, 0, EFD_NONBLOCK | EFD_CLOEXEC);
            if (ev < 0) {
                throw failure("eventfd", errno(capture));
            }
            epollAdd(ep, fd);
            epollAdd(ep, ev);
            this.localAddress = new InetSocketAddress(bind.getAddress(), port);
        } catch (IOException | RuntimeException | Error e) {
            closeFd(fd);
            closeFd(ep);
            closeFd(ev);
            freeMemory();
            throw e;
        } catch (Throwable t) {
            closeFd(fd);
            closeFd(ep);
            closeFd(ev);
            freeMemory();
            throw new IOException(t);
        }
        this.family = fam;
        this.listenFd = fd;
        this.epollFd = ep;
        this.eventFd = ev;
    }

    static void initHeader(MemorySegment headers, MemorySegment iovs, int i, MemorySegment data,
                                   MemorySegment names) {
        MemorySegment h = headers.asSlice(i * MMSGHDR_SIZE, MMSGHDR_SIZE);
        MemorySegment iov = iovs.asSlice(i * IOVEC_SIZE, IOVEC_SIZE);
        iov.set(ValueLayout.ADDRESS, 0, data);
        iov.set(ValueLayout.JAVA_LONG, IOV_LEN_OFFSET, data.byteSize());
        h.set(ValueLayout.ADDRESS, MSG_NAME_OFFSET, names.asSlice(i * SOCKADDR_SIZE, SOCKADDR_SIZE));
        h.set(ValueLayout.JAVA_INT, MSG_NAMELEN_OFFSET, (int) SOCKADDR_SIZE);
        h.set(ValueLayout.ADDRESS, MSG_IOV_OFFSET, iov);
        h.set(ValueLayout.JAVA_LONG, MSG_IOVLEN_OFFSET, 1L);
    }

    private static int writeWildcard(MemorySegment at, int family, int port) {
        at.fill((byte) 0);
        if (family == AF_INET) {
            at.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) AF_INET);
            at.set(SHORT_BE, 2, (short) port);
            return SOCKADDR_IN_LEN;
        }
        at.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) AF_INET6);
        at.set(SHORT_BE, 2, (short) port);
        return SOCKADDR_IN6_LEN;
    }

    private int socket(int fam) throws Throwable {
        return (int) SOCKET.invokeExact(capture, fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }

    private void setInt(int fd, int level, int option, int value) throws Throwable {
        scratch.set(ValueLayout.JAVA_INT, 56, value);
        if ((int) SETSOCKOPT.invokeExact(capture, fd, level, option, scratch.asSlice(56, 4), 4) < 0) {
            throw failure("setsockopt(" + level + ", " + option + ")", errno(capture));
        }
    }

    private void setBuffers(int fd, int bytes) throws Throwable {
        if (bytes > 0) {
            setInt(fd, SOL_SOCKET, SO_RCVBUF, bytes);
            setInt(fd, SOL_SOCKET, SO_SNDBUF, bytes);
        }
    }

    private void epollAdd(int ep, int fd) throws Throwable {
        MemorySegment e = events.asSlice(0, EPOLL_EVENT_SIZE);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 0, EPOLLIN);
        e.set(ValueLayout.JAVA_LONG_UNALIGNED, EPOLL_DATA_OFFSET, fd);
        if ((int) EPOLL_CTL.invokeExact(capture, ep, EPOLL_CTL_ADD, fd, e) < 0) {
            throw failure("epoll_ctl(ADD)", errno(capture));
        }
    }

    private void closeFd(int fd) {
        if (fd >= 0) {
            try {
                int ignored = (int) CLOSE.invokeExact(capture, fd);
            } catch (Throwable ignored) {
                // closing anyway
            }
        }
    }

    private void freeMemory() {
        if (recvData != null) {
            LinuxSockets.free(recvData);
        }
        if (toClients != null) {
            LinuxSockets.free(toClients.data);
        }
        if (toOrigins != null) {
            LinuxSockets.free(toOrigins.data);
        }
        arena.close();
    }

    @Override
    InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    void poll(RelayWorker worker, long timeoutMillis) throws IOException {
        this.worker = worker;
        flush();
        int n;
        try {
            n = (int) EPOLL_WAIT.invokeExact(capture, epollFd, events, MAX_EVENTS, (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
        } catch (Throwable t) {
            throw new IOException(t);
        }
        if (n < 0) {
            int err = errno(capture);
            if (err == EINTR) {
                return;
            }
            throw failure("epoll_wait", err);
        }
        worker.refreshClock();
        for (int i = 0; i < n; i++) {
            int fd = (int) events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
            if (fd == listenFd) {
                readClients();
            } else if (fd == eventFd) {
                drainWakeups();
            } else if (fd < legsByFd.length) {
                RelayLeg leg = legsByFd[fd];
                if (leg != null && leg.isOpen()) {
                    readUpstream(fd, leg);
                }
            }
        }
        flush();
    }

    private int receive(int fd) {
        int n;
        try {
            n = (int) RECVMMSG.invokeExact(capture, fd, recvHeaders, BATCH, MSG_DONTWAIT, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return n;
    }

    private void readClients() {
        int n = receive(listenFd);
        if (n < 0) {
            int err = errno(capture);
            if (err != EAGAIN && err != EINTR) {
                worker.logError("recvmmsg on the listening socket failed",
                        failure("recvmmsg", err));
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            long h = i * MMSGHDR_SIZE;
            int len = recvHeaders.get(ValueLayout.JAVA_INT, h + MSG_LEN_OFFSET);
            recvHeaders.set(ValueLayout.JAVA_INT, h + MSG_NAMELEN_OFFSET, (int) SOCKADDR_SIZE);
            InetSocketAddress from = readSockaddr(recvNames, i * SOCKADDR_SIZE, senders);
            if (from == null) {
                continue;
            }
            ByteBuffer view = recvViews[i];
            view.clear().limit(len);
            worker.clientDatagram(view, from);
        }
    }

    private void readUpstream(int fd, RelayLeg leg) {
        int n = receive(fd);
        if (n < 0) {
            upstreamReadFailed(leg, errno(capture));
            return;
        }
        for (int i = 0; i < n && leg.isOpen(); i++) {
            long h = i * MMSGHDR_SIZE;
            int len = recvHeaders.get(ValueLayout.JAVA_INT, h + MSG_LEN_OFFSET);
            recvHeaders.set(ValueLayout.JAVA_INT, h + MSG_NAMELEN_OFFSET, (int) SOCKADDR_SIZE);
            ByteBuffer view = recvViews[i];
            view.clear().limit(len);
            worker.upstreamDatagram(leg, view);
        }
    }

    private void upstreamReadFailed(RelayLeg leg, int err) {
        if (err == ECONNREFUSED) {
            // The origin's port is closed right now (ICMP). Keep the leg, as the NIO path
            // does; the router hears of it (origin health) and decides.
            leg.dropped++;
            worker.upstreamUnreachable(leg);
        } else if (err != EAGAIN && err != EINTR) {
            worker.upstreamFailed(leg);
        }
    }

    private void drainWakeups() {
        wakePending.set(false);
        try {
            long ignored = (long) READ.invokeExact(capture, eventFd, scratch, 8L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    boolean sendToClient(ByteBuffer packet, InetSocketAddress client, RelayLeg leg) {
        MmsgSendQueue q = toClients;
        if (q.count == BATCH) {
            q.flush(this);
        }
        int nameLen = writeSockaddr(q.names, q.count * SOCKADDR_SIZE, family, client);
        if (nameLen < 0) {
            packet.position(packet.limit());
            return false;
        }
        return q.add(listenFd, packet, nameLen, leg, true);
    }

    @Override
    void flush() {
        toClients.flush(this);
        toOrigins.flush(this);
    }

    /** A queued datagram could not be sent: counted on the worker (and its leg). */
    void failed(RelayLeg leg, boolean toClient) {
        worker.sendFailedLater(leg, toClient);
    }

    @Override
    UpstreamSocket openUpstream(InetSocketAddress upstream, int socketBufferBytes) throws IOException {
        int fam = upstream.getAddress() instanceof Inet6Address ? AF_INET6 : AF_INET;
        int fd = -1;
        try {
            fd = socket(fam);
            if (fd < 0) {
                throw failure("socket", errno(capture));
            }
            setBuffers(fd, socketBufferBytes);
            int len = writeSockaddr(scratch, fam, upstream);
            if (len < 0) {
                throw new IOException("cannot connect to " + upstream);
            }
            if ((int) CONNECT.invokeExact(capture, fd, scratch, len) < 0) {
                throw failure("connect to " + upstream, errno(capture));
            }
            return new Upstream(fd);
        } catch (IOException | RuntimeException | Error e) {
            closeFd(fd);
            throw e;
        } catch (Throwable t) {
            closeFd(fd);
            throw new IOException(t);
        }
    }

    @Override
    void wakeup() {
        if (!wakePending.compareAndSet(false, true)) {
            return; // one pending wake-up is enough
        }
        synchronized (wakeLock) {
            if (closed) {
                return; // the eventfd's number may belong to another file by now
            }
            try {
                long ignored = (long) WRITE.invokeExact(wakeCapture, eventFd, wakeValue, 8L);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    @Override
    void close() {
        synchronized (wakeLock) {
            if (closed) {
                return;
            }
            closed = true;
            closeFd(eventFd);
        }
        closeFd(listenFd);
        closeFd(epollFd);
        freeMemory();
    }

    @Override
    String describe() {
        return FACTORY.describe();
    }

    /** A leg's connected socket: a file descriptor in the worker's epoll set once attached. */
    private final class Upstream implements UpstreamSocket {
        private final int fd;
        private boolean open = true;
        private boolean attached;
        private RelayLeg leg;

        Upstream(int fd) {
            this.fd = fd;
        }

        @Override
        public void attach(RelayLeg leg) {
            this.leg = leg;
            if (fd >= legsByFd.length) {
                legsByFd = Arrays.copyOf(legsByFd, Math.max(fd + 1, legsByFd.length * 2));
            }
            legsByFd[fd] = leg;
            try {
                epollAdd(epollFd, fd);
                attached = true;
            } catch (Throwable t) {
                legsByFd[fd] = null;
                throw new IllegalStateException(t);
            }
        }

        @Override
        public boolean send(ByteBuffer packet) {
            if (!open) {
                return false;
            }
            MmsgSendQueue q = toOrigins;
            if (q.count == BATCH) {
                q.flush(MmsgDatagramIo.this);
            }
            return q.add(fd, packet, 0, leg, false);
        }

        @Override
        public InetSocketAddress localAddress() {
            if (!open) {
                return null;
            }
            try {
                scratch.set(ValueLayout.JAVA_INT, 48, (int) SOCKADDR_SIZE);
                if ((int) GETSOCKNAME.invokeExact(capture, fd, scratch, scratch.asSlice(48)) < 0) {
                    return null;
                }
                return readSockaddr(scratch, 0, new SenderAddressCache());
            } catch (Throwable t) {
                return null;
            }
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            flush(); // what is queued for this descriptor goes out before the number can be reused
            open = false;
            if (attached && fd < legsByFd.length) {
                legsByFd[fd] = null;
            }
            closeFd(fd); // closing removes it from the epoll set
        }
    }
}
