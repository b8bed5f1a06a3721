package dev.originproxy.core.relay;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static dev.originproxy.core.relay.LinuxSockets.*;
import static dev.originproxy.core.relay.MmsgDatagramIo.BATCH;

/**
 * Datagrams of one {@link MmsgDatagramIo} waiting for {@code sendmmsg(2)}: native headers,
 * iovecs, sockaddrs and data slots made once; one {@code sendmmsg} per run of entries for the same
 * socket. Each transport has two, one for the listening socket and one for upstream sockets, so a
 * batch to clients stays one run. A datagram that cannot go out is counted through the transport.
 *
 * <p>Worker thread only.
 */
final class MmsgSendQueue {
    final MemorySegment headers;
    final MemorySegment[] headerAt = new MemorySegment[BATCH];
    final MemorySegment iovs;
    final MemorySegment names;
    final MemorySegment data;
    final ByteBuffer[] views = new ByteBuffer[BATCH];
    final int[] fds = new int[BATCH];
    final RelayLeg[] legs = new RelayLeg[BATCH];
    final boolean[] toClient = new boolean[BATCH];
    final int slotSize;
    int count;

    MmsgSendQueue(Arena arena, int slotSize) {
        this.slotSize = slotSize;
        headers = unscoped(arena.allocate(MMSGHDR_SIZE * BATCH, 8));
        iovs = unscoped(arena.allocate(IOVEC_SIZE * BATCH, 8));
        names = unscoped(arena.allocate(SOCKADDR_SIZE * BATCH, 8));
        data = LinuxSockets.malloc((long) slotSize * BATCH);
        for (int i = 0; i < BATCH; i++) {
            MemorySegment slot = data.asSlice((long) i * slotSize, slotSize);
            views[i] = slot.asByteBuffer();
            MmsgDatagramIo.initHeader(headers, iovs, i, slot, names);
            headerAt[i] = headers.asSlice(i * MMSGHDR_SIZE);
        }
    }

    /** Copies the packet into the next slot (the caller made room); consumes the buffer. */
    boolean add(int fd, ByteBuffer packet, int nameLen, RelayLeg leg, boolean client) {
        int len = packet.remaining();
        if (len > slotSize) {
            packet.position(packet.limit());
            return false;
        }
        int i = count;
        views[i].put(0, packet, packet.position(), len);
        packet.position(packet.limit());
        headers.set(ValueLayout.JAVA_INT, i * MMSGHDR_SIZE + MSG_NAMELEN_OFFSET, nameLen);
        iovs.set(ValueLayout.JAVA_LONG, i * IOVEC_SIZE + IOV_LEN_OFFSET, len);
        fds[i] = fd;
        legs[i] = leg;
        toClient[i] = client;
        count = i + 1;
        return true;
    }

    void flush(MmsgDatagramIo io) {
        int n = count;
        if (n == 0) {
            return;
        }
        count = 0;
        int i = 0;
        while (i < n) {
            int fd = fds[i];
            int end = i + 1;
            while (end < n && fds[end] == fd) {
                end++;
            }
            while (i < end) {
                int r;
                try {
                    r = (int) SENDMMSG.invokeExact(io.capture, fd, headerAt[i], end - i, 0);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                if (r > 0) {
                    i += r;
                    continue;
                }
                int err = errno(io.capture);
                if (err == EINTR) {
                    continue;
                }
                if (err == EAGAIN) {
                    for (; i < end; i++) {
                        io.failed(legs[i], toClient[i]); // no room: the rest of the run is lost
                    }
                } else {
                    io.failed(legs[i], toClient[i]); // e.g. ECONNREFUSED left by an earlier ICMP
                    if (err == ECONNREFUSED && !toClient[i] && legs[i] != null) {
                        io.worker.upstreamUnreachable(legs[i]);
                    }
                    i++;
                }
            }
        }
        Arrays.fill(legs, 0, n, null);
    }
}
