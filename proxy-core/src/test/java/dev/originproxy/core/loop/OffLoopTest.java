package dev.originproxy.core.loop;

import dev.originproxy.core.relay.RelayHandler;
import dev.originproxy.core.relay.RelayLeg;
import dev.originproxy.core.relay.RelayWorker;
import dev.originproxy.core.relay.UdpRelay;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The off-loop helper against a real relay worker (a selector thread) on loopback. */
class OffLoopTest {
    private UdpRelay relay;
    private RelayWorker worker;
    private OffLoop offLoop;

    private static final class Idle implements RelayHandler {
        @Override
        public void onClientPacket(ByteBuffer packet, InetSocketAddress from) {
        }

        @Override
        public void onUpstreamPacket(RelayLeg leg, ByteBuffer packet) {
        }
    }

    /** What a completion saw, and on which thread. */
    private static final class Seen<T> {
        final CompletableFuture<Seen<T>> done = new CompletableFuture<>();
        volatile T value;
        volatile Throwable failure;
        volatile Thread thread;

        OffLoop.Completion<T> completion() {
            return (v, f) -> {
                value = v;
                failure = f;
                thread = Thread.currentThread();
                done.complete(this);
            };
        }

        Seen<T> await() throws Exception {
            return done.get(5, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void start() throws Exception {
        relay = UdpRelay.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .workers(1).handler(w -> new Idle()).build().start();
        worker = relay.workers().get(0);
        offLoop = OffLoop.builder().name("test-off-loop").threads(1).maxQueued(2).build();
    }

    @AfterEach
    void stop() {
        relay.close();
        offLoop.close();
    }

    @Test
    void runsWorkOffTheLoopAndResumesOnTheOwningWorker() throws Exception {
        AtomicBoolean workOnLoop = new AtomicBoolean(true);
        Seen<String> seen = new Seen<>();
        offLoop.submit(worker, () -> {
            workOnLoop.set(worker.inEventLoop());
            return "placed";
        }, seen.completion());
        seen.await();
        assertThat(workOnLoop).isFalse();
        assertThat(seen.value).isEqualTo("placed");
        assertThat(seen.failure).isNull();
        assertThat(seen.thread.getName()).startsWith("udp-relay");
        assertThat(offLoop.stats().completed()).isEqualTo(1);
    }

    @Test
    void deliversTheWorksFailureOnTheLoop() throws Exception {
        Seen<String> seen = new Seen<>();
        offLoop.submit(worker, () -> {
            throw new IllegalStateException("balancer said no");
        }, seen.completion());
        seen.await();
        assertThat(seen.failure).isInstanceOf(IllegalStateException.class).hasMessage("balancer said no");
        assertThat(seen.thread.getName()).startsWith("udp-relay");
        assertThat(offLoop.stats().failed()).isEqualTo(1);
    }

    @Test
    void refusesBeyondItsQueueBoundCountsAndDeliversTheRefusal() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        Seen<String> blocker = new Seen<>();
        offLoop.submit(worker, () -> {
            started.countDown();
            release.await();
            return "first";
        }, blocker.completion());
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        Seen<String> q1 = new Seen<>();
        Seen<String> q2 = new Seen<>();
        Seen<String> refused = new Seen<>();
        offLoop.submit(worker, () -> "q1", q1.completion());
        offLoop.submit(worker, () -> "q2", q2.completion());
        offLoop.submit(worker, () -> "too many", refused.completion());
        refused.await();
        assertThat(refused.failure).isInstanceOf(RejectedExecutionException.class).hasMessageContaining("full");
        assertThat(refused.thread.getName()).startsWith("udp-relay");
        assertThat(offLoop.stats().rejected()).isEqualTo(1);
        assertThat(offLoop.stats().queued()).isEqualTo(2);
        release.countDown();
        assertThat(q1.await().value).isEqualTo("q1");
        assertThat(q2.await().value).isEqualTo("q2");
    }

    @Test
    void aCancelledWaitingTaskNeverRunsAndFreesItsQueueSlot() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        offLoop.submit(worker, () -> {
            started.countDown();
            release.await();
            return "first";
        }, (v, f) -> { });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        OffLoopTask<String> superseded = offLoop.submit(worker, () -> {
            ran.incrementAndGet();
            return "old";
        }, (v, f) -> completed.incrementAndGet());
        assertThat(superseded.cancel()).isTrue();
        assertThat(offLoop.stats().queued()).isZero();
        Seen<String> newer = new Seen<>();
        offLoop.submit(worker, () -> "new", newer.completion());
        release.countDown();
        assertThat(newer.await().value).isEqualTo("new");
        assertThat(ran).hasValue(0);
        assertThat(completed).hasValue(0);
        assertThat(superseded.cancel()).isFalse();
        assertThat(offLoop.stats().cancelled()).isEqualTo(1);
    }

    @Test
    void aTaskCancelledWhileRunningHasItsResultDiscarded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger completed = new AtomicInteger();
        OffLoopTask<String> task = offLoop.submit(worker, () -> {
            started.countDown();
            release.await();
            return "late";
        }, (v, f) -> completed.incrementAndGet());
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(task.cancel()).isTrue();
        release.countDown();
        Seen<String> after = new Seen<>();
        offLoop.submit(worker, () -> "after", after.completion());
        after.await(); // one thread: the cancelled task finished before this ran
        assertThat(completed).hasValue(0);
        assertThat(task.isCancelled()).isTrue();
    }

    @Test
    void workForALoopThatClosedIsFailedWithoutRunning() throws Exception {
        relay.close();
        assertThat(worker.isAlive()).isFalse();
        AtomicInteger ran = new AtomicInteger();
        Seen<String> seen = new Seen<>();
        offLoop.submit(worker, () -> {
            ran.incrementAndGet();
            return "x";
        }, seen.completion());
        seen.await();
        assertThat(seen.failure).isInstanceOf(EventLoopGoneException.class);
        assertThat(ran).hasValue(0);
        assertThat(offLoop.stats().loopGone()).isEqualTo(1);
    }

    @Test
    void closeRefusesWaitingTasksAndDeliversTheRefusal() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        offLoop.submit(worker, () -> {
            started.countDown();
            Thread.sleep(10_000); // interrupted by close
            return "never";
        }, (v, f) -> { });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        Seen<String> waiting = new Seen<>();
        offLoop.submit(worker, () -> "waiting", waiting.completion());
        offLoop.close();
        waiting.await();
        assertThat(waiting.failure).isInstanceOf(RejectedExecutionException.class).hasMessageContaining("closed");
        Seen<String> afterClose = new Seen<>();
        offLoop.submit(worker, () -> "late", afterClose.completion());
        assertThat(afterClose.await().failure).isInstanceOf(RejectedExecutionException.class);
    }
}
