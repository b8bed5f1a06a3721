package dev.originproxy.core.loop;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the routers' own helper pools (balancer lookups, maintenance): daemon
 * threads named {@code <name>-<n>}, so a host that forgets {@code close()} can still exit and a
 * thread dump says which router a thread serves. Stateless; the factories it returns are
 * thread-safe.
 */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    /** A factory of daemon threads named {@code name-1}, {@code name-2}, ... */
    public static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
