package dev.originproxy.srt.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.SrtRejectCodes;
import dev.originproxy.srt.SrtRejectReason;
import dev.originproxy.srt.router.SrtPeers.Placement;
import dev.originproxy.srt.router.SrtPeers.Recorder;
import dev.originproxy.srt.router.SrtPeers.TestCaller;
import dev.originproxy.srt.router.SrtPeers.TestOrigin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.originproxy.srt.router.SrtPeers.await;
import static dev.originproxy.srt.router.SrtPeers.handshake;
import static org.assertj.core.api.Assertions.assertThat;

/** The router's handshake state machine and session ends, against Java peers on loopback. */
class SrtRouterStateMachineTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String PUBLISH = "#!::r=live/livestream,m=publish";
    private static final Duration SHORT = Duration.ofMillis(400);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Placement placement = new Placement();
    private final Recorder recorder = new Recorder();
    private final SessionLifecycle lifecycle = new SessionLifecycle();

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

    private SrtRouter.Builder builder() {
        lifecycle.addListener(recorder);
        return SrtRouter.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1)
                .placement(placement).lifecycle(lifecycle);
    }

    private SrtRouter start(SrtRouter.Builder b) throws IOException {
        return track(b.build().start());
    }

    private TestOrigin origin(TestOrigin.Mode mode, int reject, long delay) throws IOException {
        return track(new TestOrigin(LOOPBACK, mode, reject, delay));
    }

    private TestCaller caller(SrtRouter router) throws IOException {
        return track(new TestCaller(router.localAddress()));
    }

    @Test
    void answersInductionItselfWithoutTouchingTheOrigin() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);

        caller.send(caller.induction());
        SrtHandshake answer = handshake(caller.expect(Duration.ofSeconds(2)));

        assertThat(answer.isInduction()).isTrue();
        assertThat(answer.version()).isEqualTo(SrtHandshake.VERSION_5);
        assertThat(answer.extensionField()).isEqualTo(SrtHandshake.SRT_MAGIC_CODE);
        assertThat(answer.synCookie()).isNotZero();
        assertThat(answer.destinationSocketId()).isEqualTo(caller.socketId);
        assertThat(answer.srtSocketId()).isEqualTo(caller.socketId);
        assertThat(answer.initialSequenceNumber()).isEqualTo(caller.isn);
        assertThat(answer.encryptionField()).isZero();
        assertThat(caller.receive(SHORT)).isEmpty();
        assertThat(origin.inductions.get()).isZero();
        assertThat(placement.picks.get()).isZero();
        assertThat(router.sessionCount()).isZero();
        assertThat(router.stats().inductionsAnswered()).isEqualTo(1);
    }

    @Test
    void dropsConclusionWithBadCookieAndCountsIt() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);
        int cookie = caller.induce();

        caller.send(caller.conclusion(cookie ^ 0x5A5A5A5A, PUBLISH));

        assertThat(caller.receive(SHORT)).isEmpty();
        assertThat(router.stats().relay().dropped(DropReason.UNAUTHENTICATED)).isEqualTo(1);
        assertThat(origin.inductions.get()).isZero();
        assertThat(placement.picks.get()).isZero();
        assertThat(router.openLegs()).isZero();
        assertThat(recorder.starts).isEmpty();
    }

    @Test
    void replaysConclusionToOriginUnderTheOriginsCookieAndRelaysBothWays() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);
        int proxyCookie = caller.induce();
        byte[] conclusion = caller.conclusion(proxyCookie, PUBLISH);

        caller.send(conclusion);
        SrtHandshake answer = handshake(caller.expect(Duration.ofSeconds(2)));

        assertThat(answer.isConclusion()).isTrue();
        assertThat(answer.srtSocketId()).isEqualTo(origin.socketId);
        assertThat(answer.destinationSocketId()).isEqualTo(caller.socketId);
        assertThat(answer.synCookie()).isEqualTo(proxyCookie);
        assertThat(answer.peerAddress()).isEqualTo(LOOPBACK);
        assertThat(origin.badCookies.get()).isZero();
        assertThat(origin.conclusions.get()).isEqualTo(1);
        SrtHandshake replayed = handshake(origin.conclusionsReceived.get(0));
        assertThat(replayed.synCookie()).isEqualTo(origin.cookie);
        assertThat(replayed.srtSocketId()).isEqualTo(caller.socketId);
        assertThat(replayed.streamId()).isEqualTo(PUBLISH);
        assertThat(replayed.length()).isEqualTo(conclusion.length);
        assertThat(recorder.starts).singleElement().satisfies(s -> {
            assertThat(s.direction()).isEqualTo(Direction.PUBLISH);
            assertThat(s.streamKey().toString()).contains("live/livestream");
            assertThat(s.originId()).isEqualTo("o1");
        });

        for (int i = 0; i < 5; i++) {
            caller.send(caller.data(i, origin.socketId));
        }
        int echoed = 0;
        while (echoed < 5 && caller.receive(Duration.ofSeconds(1)).isPresent()) {
            echoed++;
        }
        assertThat(echoed).isEqualTo(5);
        assertThat(origin.dataPackets.get()).isEqualTo(5);
        assertThat(origin.peers).hasSize(1); // one stable upstream socket for the whole session
        SrtSessionView view = router.sessions().get(0);
        assertThat(view.state()).isEqualTo(SrtSessionState.ESTABLISHED);
        assertThat(view.originSocketId()).isEqualTo(origin.socketId);
        assertThat(view.counters().packetsFromOrigin()).isGreaterThanOrEqualTo(5 + 2);
    }

    @Test
    void answersRetransmittedConclusionIdenticallyWithOneLegAndOneStart() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);
        byte[] conclusion = caller.conclusion(caller.induce(), PUBLISH);

        caller.send(conclusion);
        byte[] first = caller.expect(Duration.ofSeconds(2));
        caller.send(conclusion);
        byte[] second = caller.expect(Duration.ofSeconds(2));
        caller.send(conclusion);
        byte[] third = caller.expect(Duration.ofSeconds(2));

        assertThat(second).isEqualTo(first);
        assertThat(third).isEqualTo(first);
        assertThat(router.openLegs()).isEqualTo(1);
        assertThat(placement.picks.get()).isEqualTo(1);
        assertThat(recorder.starts).hasSize(1);
        assertThat(origin.conclusions.get()).isEqualTo(1);
        assertThat(router.stats().conclusionsReplayed()).isEqualTo(2);
    }

    @Test
    void silentOriginTimesOutWithoutDelayingAnotherCaller() throws Exception {
        TestOrigin silent = origin(TestOrigin.Mode.SILENT, 0, 0);
        TestOrigin healthy = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("silent", SrtPeers.origin("dead", silent.address()));
        placement.put("healthy", SrtPeers.origin("ok", healthy.address()));
        SrtRouter router = start(builder().handshakeTimeout(Duration.ofMillis(1200)));
        TestCaller stuck = caller(router);
        TestCaller fine = caller(router);

        stuck.send(stuck.conclusion(stuck.induce(), "live/silent"));
        assertThat(await(() -> silent.inductions.get() >= 1, Duration.ofSeconds(2))).isTrue();
        long t0 = System.nanoTime();
        byte[] answer = fine.connect("live/healthy", Duration.ofSeconds(2));
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(handshake(answer).isConclusion()).isTrue();
        assertThat(tookMillis).isLessThan(500);
        SrtHandshake rejection = handshake(stuck.expect(Duration.ofSeconds(3)));
        assertThat(rejection.rejectReason()).isEqualTo(SrtRejectReason.TIMEOUT);
        assertThat(rejection.destinationSocketId()).isEqualTo(stuck.socketId);
        assertThat(silent.inductions.get()).isGreaterThanOrEqualTo(3); // retransmitted every 250 ms
        assertThat(router.stats().handshakeTimeouts()).isEqualTo(1);
        assertThat(router.openLegs()).isEqualTo(1);
        assertThat(router.sessions()).singleElement()
                .satisfies(v -> assertThat(v.stream()).contains("healthy"));
        assertThat(recorder.endsWith(EndReason.HANDSHAKE_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void slowOriginCompletesAndCallerRetransmitsAreHeldMeanwhile() throws Exception {
        TestOrigin slow = origin(TestOrigin.Mode.ACCEPT, 0, 700);
        placement.put("livestream", SrtPeers.origin("slow", slow.address()));
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);
        byte[] conclusion = caller.conclusion(caller.induce(), PUBLISH);

        caller.send(conclusion);
        Thread.sleep(250);
        caller.send(conclusion);
        Optional<byte[]> early = caller.receive(Duration.ofMillis(150));
        byte[] answer = early.isPresent() ? early.get() : caller.expect(Duration.ofSeconds(2));

        assertThat(early).as("no answer before the origin's").isEmpty();
        assertThat(handshake(answer).isConclusion()).isTrue();
        assertThat(router.stats().relay().dropped(DropReason.PENDING)).isGreaterThanOrEqualTo(1);
        assertThat(recorder.starts).hasSize(1);
        assertThat(router.openLegs()).isEqualTo(1);
    }

    @Test
    void originRejectionReachesCallerAndEndsTheSession() throws Exception {
        TestOrigin rejecting = origin(TestOrigin.Mode.REJECT, SrtRejectReason.BADSECRET.code(), 0);
        placement.put("livestream", SrtPeers.origin("o1", rejecting.address()));
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);
        int cookie = caller.induce();

        caller.send(caller.conclusion(cookie, PUBLISH));
        SrtHandshake answer = handshake(caller.expect(Duration.ofSeconds(2)));

        assertThat(answer.handshakeType()).isEqualTo(1010);
        assertThat(answer.synCookie()).isEqualTo(cookie);
        assertThat(answer.destinationSocketId()).isEqualTo(caller.socketId);
        assertThat(await(() -> router.openLegs() == 0, Duration.ofSeconds(1))).isTrue();
        assertThat(router.sessions()).isEmpty();
        assertThat(recorder.ends).containsExactly(recorder.starts.get(0).id() + ":" + EndReason.ORIGIN_REJECTED);
    }

    @Test
    void refusalByTheLifecycleAnswersForbiddenWithoutALeg() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        recorder.refuse = "second publisher";
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);

        byte[] answer = caller.connect(PUBLISH, Duration.ofSeconds(2));

        assertThat(handshake(answer).rejectReasonCode()).isEqualTo(SrtRejectCodes.FORBIDDEN);
        assertThat(origin.inductions.get()).isZero();
        assertThat(router.openLegs()).isZero();
        assertThat(router.sessions()).isEmpty();
        assertThat(recorder.ends).isEmpty();
    }

    @Test
    void emptyStreamIdIsRejectedUnlessADefaultStreamIsConfigured() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("fallback", SrtPeers.origin("o1", origin.address()));
        SrtRouter strict = start(builder());
        SrtRouter lenient = start(SrtRouter.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1)
                .placement(placement).defaultStream(StreamKey.of(StreamKey.DEFAULT_VHOST, "live", "fallback"),
                        Direction.PUBLISH));

        byte[] rejected = caller(strict).connect(null, Duration.ofSeconds(2));
        byte[] accepted = caller(lenient).connect(null, Duration.ofSeconds(2));

        assertThat(handshake(rejected).rejectReasonCode()).isEqualTo(SrtRejectCodes.BAD_REQUEST);
        assertThat(handshake(accepted).isConclusion()).isTrue();
        assertThat(lenient.sessions()).singleElement()
                .satisfies(v -> assertThat(v.stream()).contains("live/fallback"));
    }

    @Test
    void malformedStreamIdAndUnknownStreamAreRejected() throws Exception {
        SrtRouter router = start(builder());

        byte[] badSyntax = caller(router).connect("#!::r=live/x,m=sideways", Duration.ofSeconds(2));
        byte[] noOrigin = caller(router).connect("live/nowhere", Duration.ofSeconds(2));

        assertThat(handshake(badSyntax).rejectReasonCode()).isEqualTo(SrtRejectCodes.BAD_REQUEST);
        assertThat(handshake(noOrigin).rejectReasonCode()).isEqualTo(SrtRejectCodes.DOWN);
        assertThat(router.sessions()).isEmpty();
        assertThat(router.openLegs()).isZero();
    }

    @Test
    void shutdownFromCallerIsRelayedAndEndsTheSessionOnce() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);
        caller.connect(PUBLISH, Duration.ofSeconds(2));

        caller.send(caller.shutdown(origin.socketId));
        caller.send(caller.shutdown(origin.socketId));

        assertThat(await(() -> origin.shutdowns.get() == 1 && router.openLegs() == 0, Duration.ofSeconds(2)))
                .isTrue();
        Thread.sleep(100);
        assertThat(recorder.ends).hasSize(1);
        assertThat(recorder.endsWith(EndReason.CLIENT_CLOSED)).isEqualTo(1);
        assertThat(router.sessions()).isEmpty();
        assertThat(origin.shutdowns.get()).isEqualTo(1);
    }

    @Test
    void shutdownFromOriginReachesCallerAndEndsTheSession() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);
        caller.connect(PUBLISH, Duration.ofSeconds(2));

        origin.sendShutdown();
        byte[] relayed = caller.expect(Duration.ofSeconds(2));

        assertThat(ByteBuffer.wrap(relayed).getInt(0) >>> 16).isEqualTo(0x8005);
        assertThat(await(() -> recorder.ends.size() == 1, Duration.ofSeconds(1))).isTrue();
        assertThat(recorder.endsWith(EndReason.ORIGIN_CLOSED)).isEqualTo(1);
        assertThat(router.openLegs()).isZero();
    }

    @Test
    void idleSessionEndsAfterTheIdleTimeout() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        SrtRouter router = start(builder().idleTimeout(Duration.ofMillis(300)));
        TestCaller caller = caller(router);
        caller.connect(PUBLISH, Duration.ofSeconds(2));
        assertThat(router.openLegs()).isEqualTo(1);

        assertThat(await(() -> router.openLegs() == 0, Duration.ofSeconds(3))).isTrue();
        assertThat(await(() -> recorder.ends.size() == 1, Duration.ofSeconds(1))).isTrue();
        assertThat(recorder.endsWith(EndReason.IDLE_TIMEOUT)).isEqualTo(1);
        assertThat(router.sessions()).isEmpty();
    }

    @Test
    void closeEndsEverySessionAndFreesEverySocket() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        TestOrigin silent = origin(TestOrigin.Mode.SILENT, 0, 0);
        placement.put("a", SrtPeers.origin("o1", origin.address()));
        placement.put("b", SrtPeers.origin("o1", origin.address()));
        placement.put("stuck", SrtPeers.origin("dead", silent.address()));
        SrtRouter router = start(builder());
        caller(router).connect("live/a", Duration.ofSeconds(2));
        caller(router).connect("live/b", Duration.ofSeconds(2));
        TestCaller stuck = caller(router);
        stuck.send(stuck.conclusion(stuck.induce(), "live/stuck"));
        assertThat(await(() -> router.openLegs() == 3, Duration.ofSeconds(2))).isTrue();

        router.close();

        assertThat(router.openLegs()).isZero();
        assertThat(router.sessions()).isEmpty();
        assertThat(recorder.ends).hasSize(3).allMatch(e -> e.endsWith(":" + EndReason.PROXY_SHUTDOWN));
    }

    @Test
    void rendezvousIsDroppedAndCountedUnsupported() throws Exception {
        SrtRouter router = start(builder());
        TestCaller caller = caller(router);
        byte[] wave = caller.induction();
        SrtHandshake hs = handshake(wave);
        hs.setHandshakeType(SrtHandshake.TYPE_WAVEAHAND);
        hs.setVersion(SrtHandshake.VERSION_5);

        caller.send(wave);
        caller.send(new byte[] {1, 2, 3});

        assertThat(caller.receive(SHORT)).isEmpty();
        assertThat(router.stats().relay().dropped(DropReason.UNSUPPORTED)).isEqualTo(1);
        assertThat(router.stats().relay().dropped(DropReason.MALFORMED)).isEqualTo(1);
    }

    @Test
    void conclusionReachingAnotherFleetMemberWithTheSameSecretConnects() throws Exception {
        TestOrigin origin = origin(TestOrigin.Mode.ACCEPT, 0, 0);
        placement.put("livestream", SrtPeers.origin("o1", origin.address()));
        byte[] secret = "a fleet-wide cookie secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        SrtRouter a = start(builder().cookieSecret(secret));
        SrtRouter b = start(SrtRouter.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1)
                .placement(placement).cookieSecret(secret));
        SrtRouter stranger = start(SrtRouter.builder().bind(new InetSocketAddress(LOOPBACK, 0)).workers(1)
                .placement(placement));
        TestCaller toA = caller(a);
        int cookie = toA.induce();
        TestCaller toB = track(new TestCaller(b.localAddress(), toA.socket));
        TestCaller toStranger = track(new TestCaller(stranger.localAddress(), toA.socket));

        toStranger.send(toA.conclusion(cookie, PUBLISH));
        assertThat(toA.receive(SHORT)).isEmpty();
        toB.send(toA.conclusion(cookie, PUBLISH));
        SrtHandshake answer = handshake(toA.expect(Duration.ofSeconds(2)));

        assertThat(stranger.stats().relay().dropped(DropReason.UNAUTHENTICATED)).isEqualTo(1);
        assertThat(answer.isConclusion()).isTrue();
        assertThat(answer.srtSocketId()).isEqualTo(origin.socketId);
        assertThat(b.openLegs()).isEqualTo(1);
        assertThat(a.openLegs()).isZero();
        assertThat(a.stats().inductionsAnswered()).isEqualTo(1);
        assertThat(b.stats().inductionsAnswered()).isZero();
    }
}
