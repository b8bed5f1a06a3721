package dev.originproxy.srt.router;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.loop.OffLoop;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionRefusedException;
import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.SrtPacket;
import dev.originproxy.srt.SrtRejectCodes;
import dev.originproxy.srt.router.SrtPeers.Placement;
import dev.originproxy.srt.router.SrtPeers.Recorder;
import dev.originproxy.srt.router.SrtPeers.TestCaller;
import dev.originproxy.srt.router.SrtPeers.TestOrigin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.originproxy.srt.router.SrtPeers.await;
import static dev.originproxy.srt.router.SrtPeers.handshake;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Placement off the event loop (issue 15 items 4 and 6): placement and {@code onStart} never
 * run on a worker, a superseded placement is cancelled, the placement queue is bounded, and a
 * SHUTDOWN needs the right destination socket id.
 */
class SrtRouterPlacementTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String WORKER_THREAD = "srt-router-\\d+";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Recorder recorder = new Recorder();
    private final SessionLifecycle lifecycle = new SessionLifecycle();

    /** A placement that blocks streams named "slow*" until released, and records its threads. */
    static final class GatedPlacement extends Placement {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch blocked = new CountDownLatch(1);
        final List<String> threads = new CopyOnWriteArrayList<>();
        final Map<String, AtomicInteger> picksByStream = new ConcurrentHashMap<>();

        @Override
        public OriginServer pick(StreamKey key) {
            threads.add(Thread.currentThread().getName());
            picksByStream.computeIfAbsent(key.stream(), k -> new AtomicInteger()).incrementAndGet();
            if (key.stream().startsWith("slow")) {
                blocked.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.pick(key);
        }

        int picks(String stream) {
            AtomicInteger n = picksByStream.get(stream);
            return n == null ? 0 : n.get();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private SrtRouter router(Placement placement, OffLoop offLoop) throws IOException {
        lifecycle.addListener(recorder);
        SrtRouter.Builder b = SrtRouter.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1)
                .placement(placement).lifecycle(lifecycle);
        if (offLoop != null) {
            b.offLoop(track(offLoop));
        }
        return track(b.build().start());
    }

    private TestOrigin origin() throws IOException {
        return track(new TestOrigin(LOOPBACK, TestOrigin.Mode.ACCEPT, 0, 0));
    }

    @Test
    void placementAndOnStartRunOffTheEventLoop() throws Exception {
        TestOrigin origin = origin();
        GatedPlacement placement = new GatedPlacement();
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        List<String> onStartThreads = new CopyOnWriteArrayList<>();
        lifecycle.addListener(new dev.originproxy.core.session.SessionListener() {
            @Override
            public void onStart(SessionInfo session) throws SessionRefusedException {
                onStartThreads.add(Thread.currentThread().getName());
            }
        });
        SrtRouter router = router(placement, null);
        TestCaller caller = track(new TestCaller(router.localAddress()));

        SrtHandshake answer = handshake(caller.connect("#!::r=live/livestream,m=publish", Duration.ofSeconds(2)));

        assertThat(answer.isRejection()).isFalse();
        assertThat(placement.threads).hasSize(1).noneMatch(t -> t.matches(WORKER_THREAD));
        assertThat(onStartThreads).hasSize(1).noneMatch(t -> t.matches(WORKER_THREAD));
    }

    @Test
    void aSupersededPlacementIsCancelledAndNeverStartsTheOldSession() throws Exception {
        TestOrigin origin = origin();
        GatedPlacement placement = new GatedPlacement();
        placement.put("slow", SrtPeers.origin("o1", origin.address()));
        placement.put("fast", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = router(placement, OffLoop.builder().name("srt-test-placement").threads(1).maxQueued(4).build());
        TestCaller blocker = track(new TestCaller(router.localAddress()));
        blocker.send(blocker.conclusion(blocker.induce(), "#!::r=live/slow,m=publish"));
        assertThat(placement.blocked.await(5, TimeUnit.SECONDS)).isTrue(); // the one placement thread is busy

        TestCaller caller = track(new TestCaller(router.localAddress()));
        int cookie = caller.induce();
        caller.send(caller.conclusion(cookie, "#!::r=live/fast,m=publish", 1111)); // queued behind the blocker
        caller.send(caller.conclusion(cookie, "#!::r=live/fast,m=publish", 2222)); // a new socket: supersedes it
        assertThat(await(() -> router.stats().placementsCancelled() == 1, Duration.ofSeconds(2))).isTrue();
        placement.release.countDown();

        SrtHandshake answer = handshake(caller.expect(Duration.ofSeconds(3)));
        assertThat(answer.isRejection()).isFalse();
        assertThat(answer.destinationSocketId()).isEqualTo(2222);
        assertThat(placement.picks("fast")).as("the superseded placement never ran").isEqualTo(1);
        assertThat(await(() -> recorder.starts.size() == 2, Duration.ofSeconds(2))).isTrue();
        assertThat(recorder.ends).isEmpty(); // the superseded session was never started, so never ended
        assertThat(router.sessionCount()).isEqualTo(2);
    }

    @Test
    void placementsBeyondTheQueueBoundAreRejectedWithDown() throws Exception {
        TestOrigin origin = origin();
        GatedPlacement placement = new GatedPlacement();
        placement.put("slow", SrtPeers.origin("o1", origin.address()));
        placement.put("fast", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = router(placement, OffLoop.builder().name("srt-test-placement").threads(1).maxQueued(1).build());
        TestCaller blocker = track(new TestCaller(router.localAddress()));
        blocker.send(blocker.conclusion(blocker.induce(), "#!::r=live/slow,m=publish"));
        assertThat(placement.blocked.await(5, TimeUnit.SECONDS)).isTrue();
        TestCaller queued = track(new TestCaller(router.localAddress()));
        queued.send(queued.conclusion(queued.induce(), "#!::r=live/fast,m=publish"));
        TestCaller refused = track(new TestCaller(router.localAddress()));

        refused.send(refused.conclusion(refused.induce(), "#!::r=live/fast,m=publish"));
        SrtHandshake answer = handshake(refused.expect(Duration.ofSeconds(2)));

        assertThat(answer.rejectReasonCode()).isEqualTo(SrtRejectCodes.DOWN);
        placement.release.countDown();
        assertThat(handshake(queued.expect(Duration.ofSeconds(3))).isRejection()).isFalse();
    }

    @Test
    void shutdownWithTheWrongDestinationSocketIdIsDroppedAndCounted() throws Exception {
        TestOrigin origin = origin();
        Placement placement = new Placement().put("livestream", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = router(placement, null);
        TestCaller caller = track(new TestCaller(router.localAddress()));
        caller.connect("#!::r=live/livestream,m=publish", Duration.ofSeconds(2));
        long before = router.stats().relay().dropped(DropReason.UNAUTHENTICATED);

        caller.send(caller.shutdown(origin.socketId + 1)); // spoofed: not the origin's socket
        ByteBuffer fromOrigin = ByteBuffer.allocate(20);
        SrtPacket.writeControlHeader(fromOrigin, 0, 20, SrtPacket.CONTROL_SHUTDOWN, 0, 0, 3, caller.socketId + 1);
        origin.socket.send(new DatagramPacket(fromOrigin.array(), 20, origin.lastPeer));

        assertThat(await(() -> router.stats().relay().dropped(DropReason.UNAUTHENTICATED) == before + 2,
                Duration.ofSeconds(2))).isTrue();
        assertThat(router.sessionCount()).isEqualTo(1);
        assertThat(origin.shutdowns.get()).isZero();
        assertThat(recorder.ends).isEmpty();

        caller.send(caller.shutdown(origin.socketId));
        assertThat(await(() -> router.sessionCount() == 0 && origin.shutdowns.get() == 1, Duration.ofSeconds(2)))
                .isTrue();
        // onEnd follows the session's removal: wait for it rather than racing it
        assertThat(await(() -> recorder.endsWith(EndReason.CLIENT_CLOSED) == 1, Duration.ofSeconds(2)))
                .as("ends: %s", recorder.ends).isTrue();
    }
}
