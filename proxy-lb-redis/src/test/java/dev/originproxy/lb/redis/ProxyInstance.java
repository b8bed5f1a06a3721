package dev.originproxy.lb.redis;

import dev.originproxy.core.api.BearerAuth;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancers;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.origin.RegistrationHandler;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.http.JdkHttpAdapter;
import dev.originproxy.sdp.whip.WhipForwarder;
import dev.originproxy.stun.router.WebRtcRouter;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One complete proxy instance of a fleet, wired the way a host wires it: its own Redis balancer,
 * its own {@link SessionLifecycle}, a {@link WebRtcRouter} on its own loopback UDP port and a
 * {@link WhipForwarder} (plus the SRS registration endpoint) on its own loopback HTTP port.
 */
final class ProxyInstance implements AutoCloseable {
    final String name;
    final OriginLoadBalancer balancer;
    final SessionLifecycle lifecycle = new SessionLifecycle();
    /** Lifecycle ends seen by this instance, as {@code id=REASON}. */
    final List<String> ended = new CopyOnWriteArrayList<>();
    final WebRtcRouter router;
    final WhipForwarder forwarder;
    private final LoopbackHttpServer http;
    private final ExecutorService httpExecutor;

    private ProxyInstance(String name, int redisPort, Duration storeRefresh) throws IOException {
        this.name = name;
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
                ended.add(session.id() + "=" + reason);
            }
        });
        OriginLoadBalancer lb = OriginLoadBalancers.create("redis", Map.of("redis.host", "127.0.0.1",
                "redis.port", Integer.toString(redisPort), "redis.timeout", "1s"));
        WebRtcRouter r = null;
        WhipForwarder f = null;
        LoopbackHttpServer h = null;
        ExecutorService ex = null;
        try {
            r = WebRtcRouter.builder()
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .workers(1)
                    .sessionStore(lb.sessions())
                    .lifecycle(lifecycle)
                    .storeRefreshInterval(storeRefresh)
                    .build()
                    .start();
            f = WhipForwarder.builder()
                    .balancer(lb)
                    .lifecycle(lifecycle)
                    .candidates(ProxyCandidates.builder().address("127.0.0.1")
                            .udpPort(r.localAddress().getPort()).build())
                    .connectTimeout(Duration.ofSeconds(2))
                    .requestTimeout(Duration.ofSeconds(10))
                    .build();
            AtomicInteger n = new AtomicInteger();
            ex = Executors.newFixedThreadPool(4, run -> {
                Thread t = new Thread(run, "http-" + name + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            h = LoopbackHttpServer.create(ex);
            h.mount("/rtc/", new JdkHttpAdapter(f::handle, 65536));
            h.mount("/api/v1/srs/register",
                    new JdkHttpAdapter(new RegistrationHandler(lb.registry(), BearerAuth.none(), Clock.systemUTC())::handle,
                            65536));
            h.start();
        } catch (IOException | RuntimeException e) {
            if (h != null) {
                h.stop();
            }
            if (ex != null) {
                ex.shutdownNow();
            }
            if (f != null) {
                f.close();
            }
            if (r != null) {
                r.close();
            }
            lb.close();
            throw e;
        }
        this.balancer = lb;
        this.router = r;
        this.forwarder = f;
        this.http = h;
        this.httpExecutor = ex;
    }

    /** Starts an instance against the Redis server on {@code redisPort}. */
    static ProxyInstance start(String name, int redisPort, Duration storeRefresh) throws IOException {
        return new ProxyInstance(name, redisPort, storeRefresh);
    }

    /** The port clients send ICE/DTLS/SRTP to. */
    int routerPort() {
        return router.localAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>} of the signalling endpoint. */
    String baseUrl() {
        return "http://127.0.0.1:" + http.port();
    }

    String whipUrl(String app, String stream) {
        return baseUrl() + "/rtc/v1/whip/?app=" + URLEncoder.encode(app, StandardCharsets.UTF_8)
                + "&stream=" + URLEncoder.encode(stream, StandardCharsets.UTF_8);
    }

    String registerUrl() {
        return baseUrl() + "/api/v1/srs/register";
    }

    /** Registers an origin whose HTTP API listens on {@code 127.0.0.1:apiPort}, as its heartbeat would. */
    void registerOrigin(String id, int apiPort) {
        balancer.registry().register(new OriginServer(id, null, "127.0.0.1",
                Map.of(OriginProtocol.API, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, null, apiPort))),
                Instant.now()));
    }

    /** One line for failure messages: what this instance holds now. */
    String describe() {
        return name + "[http " + baseUrl() + ", udp " + routerPort() + ", router sessions " + router.sessions()
                + ", relay " + router.relayStats() + ", live " + lifecycle.live() + ", ended " + ended + "]";
    }

    @Override
    public void close() {
        http.stop();
        httpExecutor.shutdownNow();
        forwarder.close();
        router.close();
        balancer.close();
    }

    /** Polls {@code condition} every 50 ms until it holds; fails with {@code state} after the deadline. */
    static void await(String what, Duration deadline, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline + ": " + what + "; " + state.get());
            }
            Thread.sleep(50);
        }
    }
}
