package dev.originproxy.bench.rtmp;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.rtmp.router.RtmpRouter;
import dev.originproxy.rtmp.router.RtmpRouterStats;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The proxy side of the RTMP relay figure, in its own JVM: an {@link RtmpRouter} on a free
 * loopback port (2 workers, the defaults otherwise) in front of one nginx-rtmp origin registered
 * in a {@link MemoryLoadBalancer}, as a host embedding the library would wire it. Prints the port
 * it listens on, then once a second on stderr until killed: the messages relayed and the bytes
 * allocated by all its threads in that second (the steady-state B/message of the whole relay
 * path, router and engine included), and the router's counters.
 *
 * <pre>
 * java -Xmx512m -cp benchmarks/target/benchmarks.jar dev.originproxy.bench.rtmp.RtmpRelayProxy NGINX_RTMP_PORT
 * </pre>
 */
public final class RtmpRelayProxy {
    private RtmpRelayProxy() {
    }

    /** Bytes allocated so far by the live threads (a thread that ended takes its count with it). */
    private static long allocated(com.sun.management.ThreadMXBean threads) {
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(b, 0);
        }
        return sum;
    }

    /**
     * Entry point.
     *
     * @param args the origin's RTMP port on 127.0.0.1, optionally the number of workers (default 2)
     */
    public static void main(String[] args) throws Exception {
        int originPort = Integer.parseInt(args[0]);
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        MemoryLoadBalancer balancer = new MemoryLoadBalancer();
        balancer.registry().register(new OriginServer("nginx-1", null, "127.0.0.1",
                Map.of(OriginProtocol.RTMP, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, "127.0.0.1", originPort))),
                Instant.now()));
        RtmpRouter router = RtmpRouter.builder().bind(new InetSocketAddress("127.0.0.1", 0)).workers(workers)
                .balancer(balancer).lifecycle(new SessionLifecycle()).build().start();
        System.out.println(router.localAddress().getPort());
        System.out.flush();
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long lastAllocated = allocated(threads);
        long lastMessages = 0;
        while (true) {
            // One line a second on stderr (the harness keeps it as proxy.log): messages relayed and
            // bytes allocated by all threads in that second, then the router's counters. The
            // reporting itself (stats snapshot, formatting) is kept out of the allocation count.
            Thread.sleep(1000);
            long allocatedNow = allocated(threads);
            RtmpRouterStats stats = router.stats();
            long messages = stats.messagesFromClients() + stats.messagesFromOrigins();
            long m = messages - lastMessages;
            long a = allocatedNow - lastAllocated;
            System.err.printf("relayed_msgs=%d allocated_bytes=%d bytes_per_msg=%.2f %s%n", m, a,
                    m == 0 ? Double.NaN : (double) a / m, stats);
            lastMessages = messages;
            lastAllocated = allocated(threads);
        }
    }
}
