package dev.originproxy.core.relay;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Linux C library calls the batched transport makes, bound once through the Foreign Function
 * &amp; Memory API, with {@code errno} captured per call, plus the {@code sockaddr} encoding.
 * Struct layouts are those of the LP64 Linux ABI (x86-64 and AArch64; {@code struct epoll_event}
 * is packed on x86-64 only). Constants are the generic Linux values, the same on both.
 *
 * <p>Stateless; the handles are thread-safe. Callers pass their own errno capture segment.
 */
final class LinuxSockets {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_REUSEPORT = 15;
    static final int IPPROTO_IPV6 = 41;
    static final int IPV6_V6ONLY = 26;
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLLIN = 1;
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
    static final int MSG_DONTWAIT = 0x40;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ECONNREFUSED = 111;

    /** struct mmsghdr: struct msghdr (56 bytes) + unsigned msg_len, padded to 64. */
    static final long MMSGHDR_SIZE = 64;
    static final long MSG_NAME_OFFSET = 0;
    static final long MSG_NAMELEN_OFFSET = 8;
    static final long MSG_IOV_OFFSET = 16;
    static final long MSG_IOVLEN_OFFSET = 24;
    static final long MSG_FLAGS_OFFSET = 48;
    static final long MSG_LEN_OFFSET = 56;
    /** struct iovec: base pointer, length. */
    static final long IOVEC_SIZE = 16;
    static final long IOV_LEN_OFFSET = 8;
    /** Room for a struct sockaddr_in6 (28 bytes), rounded up. */
    static final long SOCKADDR_SIZE = 32;
    static final int SOCKADDR_IN_LEN = 16;
    static final int SOCKADDR_IN6_LEN = 28;
    /** struct epoll_event: packed (12 bytes) on x86-64, 16 with the data at 8 elsewhere. */
    static final long EPOLL_EVENT_SIZE;
    static final long EPOLL_DATA_OFFSET;

    static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt INT_U = ValueLayout.JAVA_INT_UNALIGNED;

    static final MethodHandle SOCKET;
    static final MethodHandle SETSOCKOPT;
    static final MethodHandle BIND;
    static final MethodHandle CONNECT;
    static final MethodHandle GETSOCKNAME;
    static final MethodHandle CLOSE;
    static final MethodHandle READ;
    static final MethodHandle WRITE;
    static final MethodHandle EPOLL_CREATE1;
    static final MethodHandle EPOLL_CTL;
    static final MethodHandle EPOLL_WAIT;
    static final MethodHandle EVENTFD;
    static final MethodHandle RECVMMSG;
    static final MethodHandle SENDMMSG;
    static final MethodHandle MALLOC;
    static final MethodHandle FREE;

    static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            EPOLL_EVENT_SIZE = 12;
            EPOLL_DATA_OFFSET = 4;
        } else if (arch.equals("aarch64")) {
            EPOLL_EVENT_SIZE = 16;
            EPOLL_DATA_OFFSET = 8;
        } else {
            throw new UnsupportedOperationException("no struct layouts for " + arch + " (x86-64 and AArch64 only)");
        }
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        SOCKET = bind(linker, libc, "socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), errno);
        SETSOCKOPT = bind(linker, libc, "setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
        BIND = bind(linker, libc, "bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
        CONNECT = bind(linker, libc, "connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
        GETSOCKNAME = bind(linker, libc, "getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), errno);
        CLOSE = bind(linker, libc, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), errno);
        READ = bind(linker, libc, "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), errno);
        WRITE = bind(linker, libc, "write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), errno);
        EPOLL_CREATE1 = bind(linker, libc, "epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), errno);
        EPOLL_CTL = bind(linker, libc, "epoll_ctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), errno);
        EPOLL_WAIT = bind(linker, libc, "epoll_wait",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), errno);
        EVENTFD = bind(linker, libc, "eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), errno);
        RECVMMSG = bind(linker, libc, "recvmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), errno);
        SENDMMSG = bind(linker, libc, "sendmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), errno);
        MALLOC = linker.downcallHandle(libc.find("malloc").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_LONG));
        FREE = linker.downcallHandle(libc.find("free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
    }

    private LinuxSockets() {
    }

    private static MethodHandle bind(Linker linker, SymbolLookup libc, String name, FunctionDescriptor fd,
                                     Linker.Option errno) {
        MemorySegment symbol = libc.find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name));
        return linker.downcallHandle(symbol, fd, errno);
    }

    /** A capture segment for {@code errno}; one per thread that calls. */
    static MemorySegment newCapture(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    /**
     * A view of {@code s} with no lifetime of its own (like {@link #malloc}'s memory). A call given
     * a segment of a shared arena acquires and releases that arena around the call, which costs
     * time and, where the JIT does not inline it all, an allocation per call; a worker's memory is
     * only ever passed on the worker's thread and freed by {@code close()} after its last call.
     */
    static MemorySegment unscoped(MemorySegment s) {
        return MemorySegment.ofAddress(s.address()).reinterpret(s.byteSize());
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** Native memory that is not zeroed (so untouched pages stay out of the RSS); free with {@link #free}. */
    static MemorySegment malloc(long bytes) {
        try {
            MemorySegment p = (MemorySegment) MALLOC.invokeExact(bytes);
            if (p.equals(MemorySegment.NULL)) {
                throw new OutOfMemoryError("malloc(" + bytes + ") failed");
            }
            return p.reinterpret(bytes);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void free(MemorySegment p) {
        try {
            FREE.invokeExact(p);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static IOException failure(String call, int errno) {
        return new IOException(call + " failed: errno " + errno + errnoName(errno));
    }

    private static String errnoName(int errno) {
        switch (errno) {
            case 1: return " (EPERM)";
            case 9: return " (EBADF)";
            case 13: return " (EACCES)";
            case 22: return " (EINVAL)";
            case 24: return " (EMFILE: too many open files)";
            case 97: return " (EAFNOSUPPORT)";
            case 98: return " (EADDRINUSE)";
            case 99: return " (EADDRNOTAVAIL)";
            case 101: return " (ENETUNREACH)";
            case 111: return " (ECONNREFUSED)";
            default: return "";
        }
    }

    /**
     * Writes {@code address} as a sockaddr of {@code family} at {@code at} and returns its length,
     * or -1 when an IPv6 address cannot go out of an IPv4 socket. IPv4 addresses go out of an IPv6
     * socket IPv4-mapped. No allocation for IPv4: {@link Inet4Address#hashCode()} is its address
     * as a big-endian int (checked by the tests).
     */
    static int writeSockaddr(MemorySegment at, int family, InetSocketAddress address) {
        return writeSockaddr(at, 0, family, address);
    }

    /** {@link #writeSockaddr(MemorySegment, int, InetSocketAddress)} at {@code base + off}. */
    static int writeSockaddr(MemorySegment base, long off, int family, InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        int port = address.getPort();
        if (ip == null) {
            return -1; // unresolved
        }
        if (family == AF_INET) {
            if (!(ip instanceof Inet4Address)) {
                return -1;
            }
            base.set(ValueLayout.JAVA_SHORT_UNALIGNED, off + 0, (short) AF_INET);
            base.set(SHORT_BE, off + 2, (short) port);
            base.set(INT_BE, off + 4, ip.hashCode());
            base.set(ValueLayout.JAVA_LONG_UNALIGNED, off + 8, 0L);
            return SOCKADDR_IN_LEN;
        }
        base.set(ValueLayout.JAVA_SHORT_UNALIGNED, off + 0, (short) AF_INET6);
        base.set(SHORT_BE, off + 2, (short) port);
        base.set(INT_U, off + 4, 0); // flow info
        if (ip instanceof Inet4Address) {
            base.set(LONG_BE, off + 8, 0L);
            base.set(LONG_BE, off + 16, 0xFFFFL << 32 | (ip.hashCode() & 0xFFFF_FFFFL));
            base.set(INT_U, off + 24, 0);
        } else {
            byte[] b = ip.getAddress(); // IPv6: a 16-byte copy (the JDK hands out no view)
            MemorySegment.copy(b, 0, base, ValueLayout.JAVA_BYTE, off + 8, 16);
            base.set(INT_U, off + 24, ((Inet6Address) ip).getScopeId());
        }
        return SOCKADDR_IN6_LEN;
    }

    /** Reads a sockaddr (IPv4 or IPv6) through {@code cache}; null for another family. */
    static InetSocketAddress readSockaddr(MemorySegment base, long off, SenderAddressCache cache) {
        int family = base.get(ValueLayout.JAVA_SHORT_UNALIGNED, off);
        int port = base.get(SHORT_BE, off + 2) & 0xFFFF;
        if (family == AF_INET) {
            return cache.ipv4(base.get(INT_BE, off + 4), port);
        }
        if (family == AF_INET6) {
            return cache.ipv6(base.get(LONG_BE, off + 8), base.get(LONG_BE, off + 16), port, base.get(INT_U, off + 24));
        }
        return null;
    }
}
