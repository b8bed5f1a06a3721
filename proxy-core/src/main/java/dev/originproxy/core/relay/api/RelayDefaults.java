package dev.originproxy.core.relay.api;

/**
 * Defaults of the relay engines that hosts read to size their own settings (for example a
 * gateway's {@code PROXY_WORKERS}), so a host shows the same default the engine uses.
 *
 * <p>Stateless and thread-safe.
 */
public final class RelayDefaults {
    private RelayDefaults() {
    }

    /**
     * The default number of UDP relay workers: half the processors this JVM may use, at least one.
     * A relay spends over 90 % of its CPU in the kernel's UDP path, and on a real network card the
     * receive half of that path runs in soft interrupts on the same cores, so the other half is
     * left to it. Measured on 2 cores shared with the load generator and the origin, a second
     * worker added 1-3 % (see benchmarks/RESULTS.md, "UDP relay").
     */
    public static int udpWorkers() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /**
     * The default SO_RCVBUF/SO_SNDBUF of every UDP relay socket: 1 MiB. Linux's own default
     * (about 208 KiB) holds about 270 small datagrams, 13 ms at 20,000 datagrams a second: a
     * relay that pauses longer (a JIT compilation of its hot path in the first seconds, a
     * preemption) loses datagrams at its socket. 1 MiB holds about five times as much; when the
     * queue is full of live media it adds at most a few tens of milliseconds. Linux caps it at
     * {@code net.core.rmem_max}/{@code wmem_max} (so an unprivileged host keeps what the system
     * allows) and doubles it for its bookkeeping. Measured in benchmarks/RESULTS.md, "UDP relay".
     */
    public static int udpSocketBufferBytes() {
        return 1 << 20;
    }
}
