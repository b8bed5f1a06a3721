package dev.originproxy.examples.embedding;

import com.sun.net.httpserver.HttpServer;
import dev.originproxy.core.api.BearerAuth;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancers;
import dev.originproxy.core.origin.RegistrationHandler;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.http.HttpFront;
import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.http.JdkHttpAdapter;
import dev.originproxy.sdp.whip.WhipForwarder;
import dev.originproxy.srt.router.SrtRouter;
import dev.originproxy.stun.router.WebRtcRouter;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;

/**
 * The embedding example quoted in the README (between the {@code README} markers, checked by
 * {@code ReadmeTest}): the smallest host that wires the library with its public builders. It
 * lives in test sources so it is compiled and run by every build and cannot rot.
 */
public final class EmbeddingExample implements AutoCloseable {
    final OriginLoadBalancer balancer;
    final WebRtcRouter router;
    final SrtRouter srt;
    final WhipForwarder forwarder;
    final HttpServer http;
    final HttpFront streaming;

    /**
     * @param httpBind where signalling and origin heartbeats are served (TCP)
     * @param webrtcBind the WebRTC media port (UDP)
     * @param srtBind the SRT port (UDP)
     * @param streamingBind the HTTP-FLV/TS and HLS port (TCP)
     * @param advertisedIp the address WebRTC clients reach the proxy on
     */
    public EmbeddingExample(InetSocketAddress httpBind, InetSocketAddress webrtcBind, InetSocketAddress srtBind,
                            InetSocketAddress streamingBind, String advertisedIp) throws IOException {
        // README-BEGIN
        OriginLoadBalancer balancer = OriginLoadBalancers.create("memory", Map.of("origin.ttl", "30s"));
        SessionLifecycle lifecycle = new SessionLifecycle();
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onEnd(SessionInfo s, EndReason reason, SessionCounters c) {
                System.out.println(s + " ended: " + reason + ", " + c.bytesFromClient() + " bytes in");
            }
        });
        WebRtcRouter router = WebRtcRouter.builder()
                .bind(webrtcBind)
                .sessionStore(balancer.sessions())
                .lifecycle(lifecycle)
                .build()
                .start();
        SrtRouter srt = SrtRouter.builder()
                .bind(srtBind)
                .balancer(balancer)
                .lifecycle(lifecycle)
                .build()
                .start();
        HttpFront streaming = HttpFront.builder()
                .bind(streamingBind)
                .balancer(balancer)
                .lifecycle(lifecycle)
                .build()
                .start();
        WhipForwarder forwarder = WhipForwarder.builder()
                .balancer(balancer)
                .lifecycle(lifecycle)
                .candidates(ProxyCandidates.builder()
                        .address(advertisedIp)
                        .udpPort(router.localAddress().getPort())
                        .build())
                .build();
        RegistrationHandler registration =
                new RegistrationHandler(balancer.registry(), BearerAuth.none(), Clock.systemUTC());
        HttpServer http = HttpServer.create(httpBind, 0);
        http.createContext("/rtc/", new JdkHttpAdapter(forwarder::handle, 64 * 1024));
        http.createContext("/api/v1/srs/register", new JdkHttpAdapter(registration::handle, 64 * 1024));
        http.start();
        // README-END
        this.balancer = balancer;
        this.router = router;
        this.srt = srt;
        this.forwarder = forwarder;
        this.http = http;
        this.streaming = streaming;
    }

    /** Stops serving, newest part first. */
    @Override
    public void close() {
        http.stop(0);
        forwarder.close();
        streaming.close();
        srt.close();
        router.close();
        balancer.close();
    }
}
