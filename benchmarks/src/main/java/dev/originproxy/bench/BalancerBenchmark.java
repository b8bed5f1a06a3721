package dev.originproxy.bench;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.OriginLoadBalancer;
import dev.originproxy.core.balancer.OriginLoadBalancers;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Balancer calls the signalling path makes, memory against Redis in the same run. For
 * {@code backend=redis} the trial's setup starts its own {@code redis-server} on a free loopback
 * port (no persistence) and stops it in tear-down; every call is a network round trip to it
 * (Lua scripts / GETs through jedis' pool) on this 2-core machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BalancerBenchmark {
    static final int ORIGINS = 8;

    @Param({"memory", "redis"})
    public String backend;

    Process redis;
    OriginLoadBalancer balancer;
    StreamKey stream;
    String username;

    @Setup
    public void setup() throws Exception {
        if ("redis".equals(backend)) {
            int port = freePort();
            File log = File.createTempFile("bench-redis", ".log");
            log.deleteOnExit();
            redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true).redirectOutput(log).start();
            awaitListening(port);
            balancer = OriginLoadBalancers.create("redis",
                    Map.of("redis.host", "127.0.0.1", "redis.port", Integer.toString(port)));
        } else {
            balancer = OriginLoadBalancers.create("memory", Map.of());
        }
        Instant now = Instant.now();
        for (int i = 0; i < ORIGINS; i++) {
            balancer.registry().register(new OriginServer("origin-" + i, "dev-" + i, "10.0.0." + (i + 1),
                    Map.of(OriginProtocol.RTC, List.of(new OriginEndpoint(OriginEndpoint.Transport.UDP, null, 8000)),
                            OriginProtocol.HTTP, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, null, 1985))),
                    now));
        }
        stream = StreamKey.of(StreamKey.DEFAULT_VHOST, "live", "livestream");
        OriginServer first = balancer.placement().pick(stream);
        Fixtures.check(first.id().equals(balancer.placement().pick(stream).id()), "placement is sticky");

        username = "3r9k1m7x:offerUfrag";
        balancer.sessions().store(new WebRtcSession("session-1", username, "0h9s3q3e8n1m0t5d2v7x9c1b4a6z8w2e",
                stream, first.id(), new InetSocketAddress("10.0.0.1", 8000), Direction.PUBLISH, now, null));
        Fixtures.check(balancer.sessions().find(username).isPresent(), "session stored");
    }

    @TearDown
    public void tearDown() throws Exception {
        if (balancer != null) {
            balancer.close();
        }
        if (redis != null) {
            redis.destroy();
            if (!redis.waitFor(5, TimeUnit.SECONDS)) {
                redis.destroyForcibly();
            }
        }
    }

    /** Sticky placement of a stream that already has an origin (refreshes the placement). */
    @Benchmark
    public OriginServer pickSticky() {
        return balancer.placement().pick(stream);
    }

    /** Session lookup by STUN username (what a router does for an unknown binding request). */
    @Benchmark
    public Optional<WebRtcSession> sessionFind() {
        return balancer.sessions().find(username);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not start listening on " + port);
    }
}
