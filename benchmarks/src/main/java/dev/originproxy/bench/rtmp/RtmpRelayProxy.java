package dev.originproxy.bench.rtmp;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.rtmp.router.RtmpRouter;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The proxy side of the RTMP relay figure, in its own JVM: an {@link RtmpRouter} on a free
 * loopback port (2 workers, the defaults otherwise) in front of one nginx-rtmp origin registered
 * in a {@link MemoryLoadBalancer}, as a host embedding the library would wire it. Prints the port
 * it listens on, then its counters once a second on stderr until killed.
 *
 * <pre>
 * java -Xmx512m -cp benchmarks/target/benchmarks.jar dev.originproxy.bench.rtmp.RtmpRelayProxy NGINX_RTMP_PORT
 * </pre>
 */
public final class RtmpRelayProxy {
    private RtmpRelayProxy() {
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
        while (true) {
            // One line of counters a second on stderr (the harness keeps it as proxy.log).
            Thread.sleep(1000);
            System.err.println(router.stats());
        }
    }
}
