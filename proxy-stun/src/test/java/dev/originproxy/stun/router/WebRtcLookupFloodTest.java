package dev.originproxy.stun.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.api.RelayStats;
import dev.originproxy.stun.StunIntegrityKey;
import dev.originproxy.stun.StunMessageType;
import dev.originproxy.stun.StunMessageWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15 item 3: a random-USERNAME STUN flood (signed binding requests, each naming a session
 * nobody signalled) from 8 loopback sources (127.0.0.2-9) must not starve a real client's first
 * binding request, and must not grow the heap. Prints the flood rate, the real session's bind
 * latency and the heap after GC before and after.
 */
@Timeout(60)
class WebRtcLookupFloodTest {
    private static final int SOURCES = 8;
    private static final int TARGET_PPS = 25_000;
    private static final String PWD = "pwd-answer-0123456789";
    private static final int REAL_SESSIONS = 5;

    @Test
    void aRealSessionBindsWithinASecondDuringARandomUsernameFlood() throws Exception {
        MemoryLoadBalancer balancer = new MemoryLoadBalancer();
        try (WebRtcRouterTest.TestOrigin origin = new WebRtcRouterTest.TestOrigin(PWD);
             WebRtcRouter router = WebRtcRouter.builder().bind(new InetSocketAddress("127.0.0.1", 0)).workers(2)
                     .sessionStore(balancer.sessions()).build().start()) {
            balancer.sessions().store(new WebRtcSession("quiet", "qUfr:cUfr", PWD, StreamKey.of(null, "live", "quiet"),
                    "o1", origin.address(), Direction.PUBLISH, Instant.now(), null));
            long quietMillis = bindMillis(router.localAddress(), "qUfr:cUfr");
            long heapBefore = heapAfterGc();
            AtomicBoolean flooding = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            List<Thread> floods = new ArrayList<>();
            for (int i = 0; i < SOURCES; i++) {
                InetAddress source = InetAddress.getByName("127.0.0." + (2 + i));
                Thread t = new Thread(() -> flood(source, router.localAddress(), flooding, sent), "flood-" + i);
                t.setDaemon(true);
                t.start();
                floods.add(t);
            }
            Thread.sleep(2_000); // the flood is in full swing: negative cache and quotas are full
            long floodStart = System.nanoTime();
            long sentAtStart = sent.get();

            // five real clients, one after another, each signalled just before its first check
            long bindMillis = 0;
            List<Long> binds = new ArrayList<>();
            for (int i = 0; i < REAL_SESSIONS; i++) {
                balancer.sessions().store(new WebRtcSession("real-" + i, "o" + i + ":c" + i, PWD,
                        StreamKey.of(null, "live", "real-" + i), "o1", origin.address(), Direction.PUBLISH,
                        Instant.now(), null));
                long ms = bindMillis(router.localAddress(), "o" + i + ":c" + i);
                binds.add(ms);
                bindMillis = Math.max(bindMillis, ms);
            }

            Thread.sleep(1_000);
            long floodNanos = System.nanoTime() - floodStart;
            long pps = (sent.get() - sentAtStart) * 1_000_000_000L / floodNanos;
            flooding.set(false);
            for (Thread t : floods) {
                t.join(5_000);
            }
            RelayStats stats = router.relayStats();
            long heapAfter = heapAfterGc();
            System.out.printf("random-USERNAME flood: %d pps from %d sources; real sessions bound in %s ms, worst %d "
                            + "(%d ms without flood); heap after GC %d KiB before, %d KiB after; drops %s%n",
                    pps, SOURCES, binds, bindMillis, quietMillis, heapBefore / 1024, heapAfter / 1024, stats.drops());

            assertThat(bindMillis).as("every real session binds within 1 s: %s ms", binds).isLessThan(1_000);
            assertThat(router.sessionCount()).isEqualTo(1 + REAL_SESSIONS);
            assertThat(stats.dropped(DropReason.UNKNOWN_SESSION) + stats.dropped(DropReason.LIMIT))
                    .as("the flood was counted and dropped").isGreaterThan(10_000);
            assertThat(heapAfter - heapBefore).as("heap after GC stays flat").isLessThan(32L * 1024 * 1024);
        }
    }

    /** Signed binding requests with a fresh random USERNAME each, paced to this source's share. */
    private static void flood(InetAddress source, InetSocketAddress proxy, AtomicBoolean on, AtomicLong sent) {
        StunIntegrityKey key = StunIntegrityKey.shortTerm("attacker-password-xyz");
        StunMessageWriter writer = new StunMessageWriter();
        ByteBuffer out = ByteBuffer.allocate(256);
        byte[] tid = new byte[12];
        long perSecond = TARGET_PPS / SOURCES;
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress(source, 0));
            long start = System.nanoTime();
            long n = 0;
            while (on.get()) {
                long due = (System.nanoTime() - start) * perSecond / 1_000_000_000L;
                if (n >= due) {
                    java.util.concurrent.locks.LockSupport.parkNanos(500_000); // paced, not spinning: 2 cores
                    continue;
                }
                ThreadLocalRandom r = ThreadLocalRandom.current();
                r.nextBytes(tid);
                String user = Long.toHexString(r.nextLong()) + ":" + Long.toHexString(r.nextLong());
                out.clear();
                int len = writer.start(out, 0, StunMessageType.BINDING_REQUEST, tid, 0).username(user)
                        .priority(1).iceControlling(1L).messageIntegrity(key).fingerprint().finish();
                out.limit(len);
                ch.send(out, proxy);
                n++;
                sent.incrementAndGet();
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A real ICE agent's first check: retransmitted every 50 ms until answered; returns the time to bind. */
    private static long bindMillis(InetSocketAddress proxy, String username) throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            s.setSoTimeout(50);
            long t0 = System.nanoTime();
            byte[] tid = new byte[12];
            ByteBuffer out = ByteBuffer.allocate(512);
            while (System.nanoTime() - t0 < 10_000_000_000L) {
                ThreadLocalRandom.current().nextBytes(tid);
                int n = new StunMessageWriter().start(out, 0, StunMessageType.BINDING_REQUEST, tid, 0)
                        .username(username).priority(1853824767).iceControlling(42L).useCandidate()
                        .messageIntegrity(StunIntegrityKey.shortTerm(PWD)).fingerprint().finish();
                s.send(new DatagramPacket(out.array(), n, proxy));
                try {
                    DatagramPacket in = new DatagramPacket(new byte[1500], 1500);
                    s.receive(in);
                    return (System.nanoTime() - t0) / 1_000_000;
                } catch (SocketTimeoutException retransmit) {
                    // ICE retransmits its check
                }
            }
            return Long.MAX_VALUE;
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
