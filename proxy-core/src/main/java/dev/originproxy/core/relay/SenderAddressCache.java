package dev.originproxy.core.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Turns a sender's raw address (as {@code recvmmsg} writes it) into an {@link InetSocketAddress}
 * without making a new object per datagram: the same sender gets the same instance back, which
 * is also the cheapest key for the routers' maps (identity hits first in {@code equals}).
 *
 * <p>Bounded: a two-way set-associative table of {@value #ENTRIES} entries; a new sender takes
 * the older slot of its set, so a flood of spoofed senders costs one allocation each and evicts,
 * never grows. IPv4 and IPv4-mapped IPv6 senders give the same {@code Inet4Address} key, as the
 * JDK's {@code DatagramChannel} does.
 *
 * <p>Not thread-safe: one per worker.
 */
final class SenderAddressCache {
    static final int ENTRIES = 8192;
    private static final int MASK = ENTRIES - 1;
    private static final long MAPPED_PREFIX = 0xFFFFL << 32;

    private final long[] hi = new long[ENTRIES];
    private final long[] lo = new long[ENTRIES];
    private final long[] tail = new long[ENTRIES]; // port | scope << 16 | VALID
    private final InetSocketAddress[] values = new InetSocketAddress[ENTRIES];
    private final boolean[] newer = new boolean[ENTRIES / 2]; // per set: true when way 1 is newer
    private static final long VALID = 1L << 62;
    private long misses;

    /** An IPv4 sender: address as a big-endian int, port 0..65535. */
    InetSocketAddress ipv4(int address, int port) {
        return get(0L, MAPPED_PREFIX | (address & 0xFFFF_FFFFL), port, 0);
    }

    /**
     * An IPv6 sender: the 16 address bytes as two big-endian longs, the port and the scope id.
     * IPv4-mapped addresses give the IPv4 instance.
     */
    InetSocketAddress ipv6(long high, long low, int port, int scopeId) {
        if (high == 0 && (low & 0xFFFF_FFFF_0000_0000L) == MAPPED_PREFIX) {
            scopeId = 0;
        }
        return get(high, low, port, scopeId);
    }

    /** Senders that were not in the table (each one made an object). */
    long misses() {
        return misses;
    }

    private InetSocketAddress get(long h, long l, int port, int scope) {
        long t = VALID | (port & 0xFFFFL) | ((scope & 0xFFFF_FFFFL) << 16);
        long mix = h * 0x9E3779B97F4A7C15L ^ l * 0xC2B2AE3D27D4EB4FL ^ t * 0x165667B19E3779F9L;
        int set = (int) (mix ^ (mix >>> 29) ^ (mix >>> 47)) & MASK & ~1;
        for (int way = 0; way < 2; way++) {
            int i = set | way;
            if (tail[i] == t && lo[i] == l && hi[i] == h) {
                return values[i];
            }
        }
        misses++;
        int s = set >>> 1;
        int victim = set | (newer[s] ? 0 : 1); // replace the older way
        newer[s] = victim == (set | 1);
        InetSocketAddress a = create(h, l, port, scope);
        hi[victim] = h;
        lo[victim] = l;
        tail[victim] = t;
        values[victim] = a;
        return a;
    }

    private static InetSocketAddress create(long h, long l, int port, int scope) {
        try {
            InetAddress addr;
            if (h == 0 && (l & 0xFFFF_FFFF_0000_0000L) == MAPPED_PREFIX) {
                int v4 = (int) l;
                addr = InetAddress.getByAddress(new byte[] {
                        (byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8), (byte) v4});
            } else {
                byte[] b = new byte[16];
                for (int i = 0; i < 8; i++) {
                    b[i] = (byte) (h >>> (56 - 8 * i));
                    b[8 + i] = (byte) (l >>> (56 - 8 * i));
                }
                addr = scope != 0 ? java.net.Inet6Address.getByAddress(null, b, scope) : InetAddress.getByAddress(b);
            }
            return new InetSocketAddress(addr, port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }
}
