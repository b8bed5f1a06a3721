package dev.originproxy.examples.gateway;

import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancers;
import dev.originproxy.core.balancer.PlacementReleaser;
import dev.originproxy.core.origin.RegistrationHandler;
import dev.originproxy.core.loop.DaemonThreads;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.core.session.SessionRefusedException;
import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.http.GuardedHttpServer;
import dev.originproxy.sdp.whip.WhipForwarder;
import dev.originproxy.http.HttpFront;
import dev.originproxy.rtmp.router.RtmpRouter;
import dev.originproxy.srt.router.SrtRouter;
import dev.originproxy.stun.router.WebRtcRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The whole gateway, wired from the library's public builders: this class is also the embedding
 * example for a host that wants every part.
 *
 * <pre>
 *  WHIP/WHEP client --HTTP--&gt; PROXY_HTTP_API    (WhipForwarder on GuardedHttpServer) --HTTP--&gt; origin API
 *  WebRTC media     --UDP---&gt; PROXY_WEBRTC_SERVER (WebRtcRouter)                           --UDP---&gt; origin RTC
 *  SRT caller       --UDP---&gt; PROXY_SRT_SERVER    (SrtRouter)                              --UDP---&gt; origin SRT
 *  FLV/TS/HLS viewer--HTTP--&gt; PROXY_HTTP_SERVER   (HttpFront on the TCP engine)            --HTTP--&gt; origin http
 *  RTMP publish/play--TCP---&gt; PROXY_RTMP_SERVER   (RtmpRouter on the TCP engine)           --TCP---&gt; origin RTMP
 *  origin heartbeat --HTTP--&gt; PROXY_SYSTEM_API    (RegistrationHandler + views + /metrics)
 * </pre>
 *
 * <p>One {@link OriginLoadBalancer} (chosen by name through {@link java.util.ServiceLoader}) and
 * one {@link SessionLifecycle} are shared by every part, so a stream's publishers and players meet
 * on one origin whatever protocol they use, and the counters see every session.
 *
 * <p>{@link #start} binds every listener or none; {@link #drain()} refuses new sessions while
 * live ones continue; {@link #close()} ends everything. Thread-safe.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** Largest signalling or heartbeat body accepted (then 413). */
    private static final int MAX_BODY = 64 * 1024;
    private static final String MBEAN_NAME = "dev.originproxy:type=Gateway";

    private final GatewayConfig config;
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private final SessionLifecycle lifecycle = new SessionLifecycle();
    private volatile boolean draining;
    /** Every listener bound and started (for /readyz). */
    private volatile boolean listening;
    private OriginLoadBalancer balancer;
    private WebRtcRouter webrtc;
    private SrtRouter srt;
    private HttpFront httpFront;
    private RtmpRouter rtmp;
    private WhipForwarder forwarder;
    private GuardedHttpServer httpApi;
    private GuardedHttpServer systemApi;
    private GatewayMetrics metrics;
    private ObjectName mbean;

    private Gateway(GatewayConfig config) {
        this.config = config;
    }

    /**
     * Creates the balancer, binds every listener and starts relaying. On failure everything
     * opened so far is closed again.
     *
     * @throws ConfigException when the balancer rejects a setting (names the variable)
     * @throws StartupException when a listener cannot be bound (names the variable and address)
     */
    public static Gateway start(GatewayConfig config) throws StartupException {
        Gateway g = new Gateway(config);
        try {
            g.open();
            return g;
        } catch (StartupException | RuntimeException e) {
            g.close();
            throw e;
        }
    }

    /** One socket per {@code PROXY_UDP_BIND_ADDRESSES} entry on the router's port (multi-homed hosts). */
    private void bindAll(InetSocketAddress server, java.util.function.Consumer<InetSocketAddress> bind,
                         java.util.function.Consumer<InetSocketAddress> alsoBind) {
        List<java.net.InetAddress> addresses = config.udpBindAddresses();
        for (int i = 0; i < addresses.size(); i++) {
            InetSocketAddress a = new InetSocketAddress(addresses.get(i), server.getPort());
            if (i == 0) {
                bind.accept(a);
            } else {
                alsoBind.accept(a);
            }
        }
    }

    private void open() throws StartupException {
        try {
            balancer = OriginLoadBalancers.create(config.balancerType(), config.balancerSettings());
        } catch (IllegalArgumentException e) {
            throw config.balancerError(e);
        }
        opened.push(balancer);

        // First listener: refuse every new session once a shutdown has begun. Both routers and
        // the forwarder ask the lifecycle before a session starts, so this one hook drains all.
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onStart(SessionInfo session) throws SessionRefusedException {
                if (draining) {
                    if (metrics != null) {
                        metrics.refused();
                    }
                    throw new SessionRefusedException("proxy is shutting down");
                }
            }
        });

        // Origin suspicion: every data path reports a dead origin's signals here and reads it back.
        OriginHealth health = null;
        if (config.originSuspicion()) {
            health = OriginHealth.builder().registry(balancer.registry()).build().start();
            opened.push(health);
        }
        // A stream's placement goes once its last session here ended a grace ago.
        PlacementReleaser releaser = new PlacementReleaser(balancer.placement(), config.placementReleaseGrace());
        opened.push(releaser);
        lifecycle.addListener(releaser);

        WebRtcRouter.Builder webrtcBuilder = WebRtcRouter.builder()
                .bind(config.webrtcServer())
                .workers(config.workers())
                .socketBufferBytes(config.udpSocketBuffer())
                .transport(config.udpTransport())
                .sessionStore(balancer.sessions())
                .lifecycle(lifecycle)
                .sessionIdleTimeout(config.sessionIdleTimeout())
                .legIdleTimeout(config.sessionIdleTimeout())
                .originGoneAfter(config.originGoneAfter());
        if (health != null) {
            webrtcBuilder.originHealth(health);
        }
        bindAll(config.webrtcServer(), webrtcBuilder::bind, webrtcBuilder::alsoBind);
        webrtc = webrtcBuilder.build();
        try {
            webrtc.start();
        } catch (IOException e) {
            throw new StartupException("PROXY_WEBRTC_SERVER", "cannot listen on " + udp(config.webrtcServer()), e);
        }
        opened.push(webrtc);

        SrtRouter.Builder srtBuilder = SrtRouter.builder()
                .bind(config.srtServer())
                .workers(config.workers())
                .socketBufferBytes(config.udpSocketBuffer())
                .transport(config.udpTransport())
                .balancer(balancer)
                .lifecycle(lifecycle)
                .handshakeTimeout(config.srtHandshakeTimeout())
                .idleTimeout(config.sessionIdleTimeout())
                .originGoneAfter(config.originGoneAfter());
        if (health != null) {
            srtBuilder.originHealth(health);
        }
        config.srtCookieSecret().ifPresent(srtBuilder::cookieSecret);
        bindAll(config.srtServer(), srtBuilder::bind, srtBuilder::alsoBind);
        srt = srtBuilder.build();
        try {
            srt.start();
        } catch (IOException e) {
            throw new StartupException("PROXY_SRT_SERVER", "cannot listen on " + udp(config.srtServer()), e);
        }
        opened.push(srt);

        HttpFront.Builder httpBuilder = HttpFront.builder()
                .bind(config.httpServer())
                .workers(config.workers())
                .balancer(balancer)
                .lifecycle(lifecycle)
                .originResponseTimeout(config.originRequestTimeout())
                .hlsViewerIdle(config.hlsSessionTtl());
        config.staticFiles().ifPresent(httpBuilder::staticFiles);
        try {
            httpFront = httpBuilder.build().start();
        } catch (IOException e) {
            throw new StartupException("PROXY_HTTP_SERVER", "cannot listen on "
                    + SystemApi.text(config.httpServer()) + "/tcp", e);
        }
        opened.push(httpFront);

        RtmpRouter.Builder rtmpBuilder = RtmpRouter.builder()
                .bind(config.rtmpServer())
                .workers(config.workers())
                .balancer(balancer)
                .lifecycle(lifecycle)
                .idleTimeout(config.sessionIdleTimeout())
                .name("rtmp-router");
        if (health != null) {
            rtmpBuilder.originHealth(health);
        }
        rtmp = rtmpBuilder.build();
        try {
            rtmp.start();
        } catch (IOException e) {
            throw new StartupException("PROXY_RTMP_SERVER", "cannot listen on "
                    + SystemApi.text(config.rtmpServer()) + "/tcp", e);
        }
        opened.push(rtmp);

        metrics = new GatewayMetrics(lifecycle, balancer.registry(), webrtc, srt, httpFront, draining());
        metrics.rtmp(rtmp);
        lifecycle.addListener(metrics);
        // Last: a session refused by an earlier listener logs no start line.
        lifecycle.addListener(new SessionLog(Clock.systemUTC()));

        // The candidates advertise the port the router really bound (PROXY_WEBRTC_SERVER may be 0).
        ProxyCandidates.Builder candidates = ProxyCandidates.builder().udpPort(webrtc.localAddress().getPort());
        config.candidates().forEach(candidates::address);
        WhipForwarder.Builder forwarderBuilder = WhipForwarder.builder()
                .balancer(balancer)
                .lifecycle(lifecycle)
                .candidates(candidates.build())
                .auth(config.whipAuth())
                .requestTimeout(config.originRequestTimeout())
                .maxBodyBytes(MAX_BODY);
        if (health != null) {
            forwarderBuilder.originHealth(health);
        }
        forwarder = forwarderBuilder.build();
        opened.push(forwarder);

        // The forwarder blocks on the origin for up to the request timeout: a pool of its own.
        GuardedHttpServer.Builder httpApiRoutes = http(config.httpApi(), "http-api")
                .route("/", "whip", forwarder::handle, 16, 256);

        RegistrationHandler registration = new RegistrationHandler(balancer.registry(), config.httpApiAuth(),
                config.registrationPolicy(), Clock.systemUTC());
        // One INFO line per expired origin (new and changed ones are logged as they register).
        ScheduledExecutorService originWatch = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("origin-expiry-log"));
        originWatch.scheduleWithFixedDelay(registration::logExpired, 5, 5, TimeUnit.SECONDS);
        opened.push(originWatch::shutdownNow);
        SystemApi api = new SystemApi(balancer, registration, webrtc, srt, metrics, config.systemApiAuth(),
                lifecycle);
        // Probes need no token (a kubelet sends none); they tell only up/down and why.
        HealthProbes probes = new HealthProbes(balancer, () -> listening && !draining, draining(),
                new HealthProbes.Workers("webrtc", webrtc::workersAlive, config.workers()),
                new HealthProbes.Workers("srt", srt::workersAlive, config.workers()),
                new HealthProbes.Workers("rtmp", rtmp::workersAlive, rtmp.workerCount()));
        // Heartbeats on a pool of their own: views and metrics cannot delay them (nor WHIP, on
        // its own server), so origins do not expire under load. Probes on theirs too.
        GuardedHttpServer.Builder systemApiRoutes = http(config.systemApi(), "system-api")
                .route("/api/v1/srs/register", "heartbeat", api::handle, 4, 256)
                .route("/healthz", "probes", probes::handle, 2, 64)
                .route("/readyz", "probes", probes::handle, 2, 64)
                // The console's files need no token; the views they read do (the page sends it).
                .route(ConsolePages.PREFIX, "console", new ConsolePages()::handle, 2, 64)
                .route("/", "views", api::handle, 4, 64);

        registerMBean();
        httpApi = listen("PROXY_HTTP_API", config.httpApi(), httpApiRoutes);
        systemApi = listen("PROXY_SYSTEM_API", config.systemApi(), systemApiRoutes);
        metrics.apis(httpApi, systemApi);
        listening = true;
        LOG.info("load balancer: {}", balancer.name());
        LOG.info("listening: WHIP/WHEP signalling (PROXY_HTTP_API) on {}/tcp", SystemApi.text(httpApiAddress()));
        LOG.info("listening: WebRTC media (PROXY_WEBRTC_SERVER) on {}, advertised as {}",
                udp(webrtcAddress()), config.candidates());
        LOG.info("listening: SRT (PROXY_SRT_SERVER) on {}", udp(srtAddress()));
        LOG.info("listening: HTTP-FLV/TS, HLS{} (PROXY_HTTP_SERVER) on {}/tcp",
                config.staticFiles().map(d -> " and static files from " + d).orElse(""),
                SystemApi.text(httpServerAddress()));
        LOG.info("listening: RTMP (PROXY_RTMP_SERVER) on {}/tcp", SystemApi.text(rtmpAddress()));
        LOG.info("listening: system API (PROXY_SYSTEM_API) on {}/tcp", SystemApi.text(systemApiAddress()));
    }

    private BooleanSupplier draining() {
        return () -> draining;
    }

    /** A guarded server builder with the gateway's limits; routes are added by the caller. */
    private GuardedHttpServer.Builder http(InetSocketAddress bind, String name) {
        return GuardedHttpServer.builder(bind).name(name).maxBodyBytes(MAX_BODY)
                .headTimeout(config.httpHeadTimeout()).bodyTimeout(config.httpBodyTimeout())
                .maxConnectionsPerSource(config.httpMaxConnectionsPerSource());
    }

    private GuardedHttpServer listen(String variable, InetSocketAddress bind, GuardedHttpServer.Builder routes)
            throws StartupException {
        GuardedHttpServer server = routes.build();
        try {
            server.start();
        } catch (IOException e) {
            server.close();
            throw new StartupException(variable, "cannot listen on " + SystemApi.text(bind) + "/tcp", e);
        }
        opened.push(server);
        return server;
    }

    private void registerMBean() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(MBEAN_NAME);
            if (!server.isRegistered(name)) {
                server.registerMBean(metrics, name);
                mbean = name;
                opened.push(() -> server.unregisterMBean(name));
            } else {
                // a second gateway in one JVM (tests, a host embedding two): metrics stay on /metrics
                LOG.warn("JMX name {} is taken; this gateway's counters are on /metrics only", MBEAN_NAME);
            }
        } catch (JMException e) {
            LOG.warn("JMX counters not registered: {}", e.getMessage());
        }
    }

    private static String udp(InetSocketAddress a) {
        return SystemApi.text(a) + "/udp";
    }

    /** The signalling address (the bound port when the setting was 0). */
    public InetSocketAddress httpApiAddress() {
        return httpApi.address();
    }

    /** The HTTP streaming address (HTTP-FLV/TS, HLS, static files). */
    public InetSocketAddress httpServerAddress() {
        return httpFront.localAddress();
    }

    /** The system API address. */
    public InetSocketAddress systemApiAddress() {
        return systemApi.address();
    }

    /** The WebRTC media address. */
    public InetSocketAddress webrtcAddress() {
        return webrtc.localAddress();
    }

    /** The RTMP address (the bound port when the setting was 0). */
    public InetSocketAddress rtmpAddress() {
        return rtmp.localAddress();
    }

    /** The SRT address. */
    public InetSocketAddress srtAddress() {
        return srt.localAddress();
    }

    /** The counters (also the JMX MBean). */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** The JMX name the counters are registered under, or null when it was taken. */
    public ObjectName mbeanName() {
        return mbean;
    }

    /** Sessions of either protocol live now. */
    public int liveSessions() {
        return lifecycle.live().size();
    }

    /** Refuses every new session from now on; live sessions continue. */
    public void drain() {
        draining = true;
    }

    /**
     * Waits until no session is live, at most {@code grace}, or until {@code hurry} says stop
     * waiting (a second signal).
     *
     * @return whether no session was left
     */
    public boolean awaitIdle(Duration grace, BooleanSupplier hurry) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (liveSessions() > 0) {
            if (hurry.getAsBoolean() || System.nanoTime() - deadline >= 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return true;
    }

    /** Closes listeners, routers (ending their sessions) and the balancer, newest first. Idempotent. */
    @Override
    public void close() {
        draining = true;
        synchronized (opened) {
            while (!opened.isEmpty()) {
                AutoCloseable c = opened.pop();
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("closing {} failed: {}", c, e.toString());
                }
            }
        }
    }
}
