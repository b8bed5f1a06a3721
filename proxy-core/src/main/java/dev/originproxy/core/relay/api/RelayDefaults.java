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
     * A relay spends most of its CPU in the kernel's UDP path, which runs on the sending and
     * receiving threads and in soft interrupts; measured on 2 cores, one worker per two cores relays
     * more than one per core (see benchmarks/RESULTS.md, "UDP relay").
     */
    public static int udpWorkers() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
}
