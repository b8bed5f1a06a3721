package dev.originproxy.lb.redis.internal;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.lb.redis.RedisServerProcess;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** What callers see when Redis goes away and comes back. */
class RedisOutageTest {
    private static OriginServer origin(String id) {
        return new OriginServer(id, null, "10.0.0.1", Map.of(OriginProtocol.RTMP, List.of(OriginEndpoint.parse("1935"))),
                Instant.EPOCH);
    }

    private static RedisLoadBalancer balancer(int port, String timeout) {
        Map<String, String> c = Map.of("redis.port", Integer.toString(port), "redis.timeout", timeout,
                "redis.key-prefix", "outage:");
        return RedisLoadBalancer.connect(BalancerConfig.from(c), RedisSettings.from(c), Clock.systemUTC());
    }

    private static long millisOf(Runnable call) {
        long t0 = System.nanoTime();
        try {
            call.run();
            fail("expected BalancerUnavailableException");
        } catch (BalancerUnavailableException expected) {
            // measured below
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void stoppedRedisFailsCallsFastAndTheSameBalancerRecoversAfterRestart() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.onFreePort().start();
             RedisLoadBalancer b = balancer(server.port(), "2s")) {
            try {
                b.registry().register(origin("a"));
                assertThat(b.placement().pick(StreamKey.of(null, "live", "before")).id()).isEqualTo("a");

                server.stop();

                assertThatThrownBy(() -> b.placement().pick(StreamKey.of(null, "live", "new")))
                        .isInstanceOf(BalancerUnavailableException.class)
                        .hasMessageContaining("127.0.0.1:" + server.port());
                assertThat(b.guard().isDown()).isTrue();
                // Inside the backoff window nothing touches the network.
                long second = millisOf(() -> b.registry().register(origin("a")));
                assertThat(second).isLessThan(100);
                assertThatThrownBy(() -> b.sessions().find("u:v"))
                        .isInstanceOf(BalancerUnavailableException.class).hasMessageContaining("backing off");
                assertThat(b.guard().outages()).isEqualTo(1);

                // A failed probe after the window doubles it.
                Thread.sleep(RedisGuard.FIRST_BACKOFF_MS + 20);
                assertThatThrownBy(() -> b.registry().liveOrigins()).isInstanceOf(BalancerUnavailableException.class)
                        .hasMessageNotContaining("backing off");
                assertThat(b.guard().backoffMillis()).isEqualTo(2 * RedisGuard.FIRST_BACKOFF_MS);

                server.start();

                // The server restarted empty (no persistence): the origin heartbeats again.
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                List<String> failures = new ArrayList<>();
                while (true) {
                    try {
                        b.registry().register(origin("a"));
                        break;
                    } catch (BalancerUnavailableException e) {
                        failures.add(e.getMessage());
                        if (System.nanoTime() > deadline) {
                            fail("register did not succeed within 10 s after restart: " + failures);
                        }
                        Thread.sleep(20);
                    }
                }
                assertThat(b.placement().pick(StreamKey.of(null, "live", "new")).id()).isEqualTo("a");
                assertThat(b.guard().isDown()).isFalse();
                assertThat(b.guard().outages()).isEqualTo(1);
            } catch (AssertionError | RuntimeException e) {
                System.err.println("redis log:\n" + server.log());
                throw e;
            }
        }
    }

    @Test
    void silentRedisCostsOneTimeoutThenFailsFastWithinTheBackoffWindow() throws Exception {
        // Accepts connections and never answers: every request would wait for the socket timeout.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = silent.accept();
                        accepted.add(s);
                        InputStream in = s.getInputStream();
                        new Thread(() -> {
                            try {
                                while (in.read() >= 0) {
                                    // swallow requests
                                }
                            } catch (IOException closed) {
                                // test over
                            }
                        }).start();
                    }
                } catch (IOException closed) {
                    // test over
                }
            }, "silent-redis");
            acceptor.setDaemon(true);
            acceptor.start();
            try (RedisLoadBalancer b = balancer(silent.getLocalPort(), "400ms")) {
                long first = millisOf(() -> b.registry().register(origin("a")));
                assertThat(first).isGreaterThanOrEqualTo(300);
                long second = millisOf(() -> b.placement().pick(StreamKey.of(null, "live", "s")));
                assertThat(second).isLessThan(50);
                assertThat(b.guard().outages()).isEqualTo(1);
            } finally {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }
}
