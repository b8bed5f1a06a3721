package dev.originproxy.core.session;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionLifecycleTest {
    static SessionInfo info(String id, Direction d, String stream) {
        return new SessionInfo(id, SessionProtocol.WEBRTC, d, StreamKey.of(null, "live", stream), "o1", null,
                Instant.EPOCH);
    }

    /** Refuses a second publisher of a stream, as a host would. */
    static final class OnePublisherPerStream implements SessionListener {
        final ConcurrentHashMap<StreamKey, String> publishers = new ConcurrentHashMap<>();

        @Override
        public void onStart(SessionInfo s) throws SessionRefusedException {
            if (s.direction() == Direction.PUBLISH && publishers.putIfAbsent(s.streamKey(), s.id()) != null) {
                throw new SessionRefusedException("stream " + s.streamKey() + " already has a publisher");
            }
        }

        @Override
        public void onEnd(SessionInfo s, EndReason reason, SessionCounters c) {
            publishers.remove(s.streamKey(), s.id());
        }
    }

    @Test
    void listenerMayRefuseASecondPublisher() throws Exception {
        SessionLifecycle lc = new SessionLifecycle();
        OnePublisherPerStream policy = new OnePublisherPerStream();
        lc.addListener(policy);
        lc.start(info("p1", Direction.PUBLISH, "s"));
        assertThatThrownBy(() -> lc.start(info("p2", Direction.PUBLISH, "s")))
                .isInstanceOf(SessionRefusedException.class).hasMessageContaining("already has a publisher");
        assertThat(lc.isLive("p2")).isFalse();
        lc.start(info("v1", Direction.PLAY, "s"));
        assertThat(lc.end("p1", EndReason.CLIENT_CLOSED, SessionCounters.ZERO)).isTrue();
        lc.start(info("p3", Direction.PUBLISH, "s"));
        assertThat(lc.live()).extracting(SessionInfo::id).containsExactlyInAnyOrder("v1", "p3");
    }

    @Test
    void listenersThatAcceptedARefusedSessionAreToldItEnded() throws Exception {
        SessionLifecycle lc = new SessionLifecycle();
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        lc.addListener(new SessionListener() {
            @Override
            public void onStart(SessionInfo s) {
                events.add("start " + s.id());
            }

            @Override
            public void onEnd(SessionInfo s, EndReason r, SessionCounters c) {
                events.add("end " + s.id() + " " + r);
            }
        });
        lc.addListener(new SessionListener() {
            @Override
            public void onStart(SessionInfo s) throws SessionRefusedException {
                throw new SessionRefusedException("no");
            }
        });
        assertThatThrownBy(() -> lc.start(info("x", Direction.PLAY, "s"))).isInstanceOf(SessionRefusedException.class);
        assertThat(events).containsExactly("start x", "end x REFUSED");
        assertThat(lc.end("x", EndReason.CLIENT_CLOSED, null)).isFalse();
    }

    @RepeatedTest(10)
    void onEndRunsExactlyOnceWhenManyPartsEndASessionAtOnce() throws Exception {
        SessionLifecycle lc = new SessionLifecycle();
        ConcurrentHashMap<String, AtomicInteger> ends = new ConcurrentHashMap<>();
        lc.addListener(new SessionListener() {
            @Override
            public void onEnd(SessionInfo s, EndReason r, SessionCounters c) {
                ends.computeIfAbsent(s.id(), k -> new AtomicInteger()).incrementAndGet();
            }
        });
        lc.addListener(new SessionListener() {
            @Override
            public void onEnd(SessionInfo s, EndReason r, SessionCounters c) {
                throw new IllegalStateException("a faulty listener does not stop the others");
            }
        });
        int sessions = 200;
        for (int i = 0; i < sessions; i++) {
            lc.start(info("s" + i, Direction.PLAY, "st" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger wins = new AtomicInteger();
            EndReason[] reasons = {EndReason.CLIENT_CLOSED, EndReason.IDLE_TIMEOUT, EndReason.PROXY_SHUTDOWN};
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int tt = t;
                fs.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < sessions; i++) {
                        if (lc.end("s" + i, reasons[(i + tt) % 3], SessionCounters.ZERO)) {
                            wins.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) {
                f.get();
            }
            assertThat(wins).hasValue(sessions);
            assertThat(ends).hasSize(sessions);
            assertThat(ends.values()).allSatisfy(c -> assertThat(c).hasValue(1));
            assertThat(lc.live()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }
}
