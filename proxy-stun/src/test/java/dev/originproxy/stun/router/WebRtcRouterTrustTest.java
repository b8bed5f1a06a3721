package dev.originproxy.stun.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.balancer.WebRtcSession;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.stun.StunIntegrityKey;
import dev.originproxy.stun.StunMessage;
import dev.originproxy.stun.StunMessageType;
import dev.originproxy.stun.StunMessageWriter;
import dev.originproxy.stun.StunVerifier;
import dev.originproxy.stun.router.WebRtcRouterTest.Client;
import dev.originproxy.stun.router.WebRtcRouterTest.TestOrigin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's STUN findings against the router on loopback: a valid binding request replayed
 * from another port must not become a client leg, and the success response a client receives
 * names the client's own address (re-signed with the session's ice-pwd), not the proxy's
 * upstream socket.
 */
@Timeout(30)
class WebRtcRouterTrustTest {
    private static final String USER = "oUfr:cUfr";
    private static final String PWD = "pwd-answer-0123456789";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final MemoryLoadBalancer balancer = new MemoryLoadBalancer();
    private final SessionLifecycle lifecycle = new SessionLifecycle();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void aBindingRequestReplayedFromAnotherAddressAddsNoLeg() throws Exception {
        TestOrigin origin = track(new TestOrigin(PWD));
        WebRtcRouter router = router(origin);
        Client victim = track(new Client(router.localAddress()));
        Client attacker = track(new Client(router.localAddress()));
        byte[] first = binding();
        victim.send(first);
        assertThat(victim.receive()).as("the victim's check is answered").isNotNull();
        byte[] later = binding(); // a consent check on the established leg (fast path)
        victim.send(later);
        assertThat(victim.receive()).isNotNull();

        attacker.send(first);
        byte[] toAttackerFirst = attacker.receive();
        attacker.send(later);
        byte[] toAttackerLater = attacker.receive();
        attacker.send(WebRtcRouterTest.DTLS);
        byte[] echoToAttacker = attacker.receive();

        System.out.println("[figure] replayed binding requests from another port: 2 sent, "
                + router.replaysRefused() + " refused, legs " + router.sessions().get(0).clients().size());
        assertThat(toAttackerFirst).isNull();
        assertThat(toAttackerLater).isNull();
        assertThat(echoToAttacker).isNull();
        assertThat(router.sessions().get(0).clients()).containsExactly(victim.address());
        assertThat(router.replaysRefused()).isEqualTo(2);
        victim.send(WebRtcRouterTest.DTLS);
        assertThat(victim.receive()).isEqualTo(WebRtcRouterTest.DTLS);
    }

    @Test
    void aRetransmittedBindingFromTheSameAddressStillPasses() throws Exception {
        TestOrigin origin = track(new TestOrigin(PWD));
        WebRtcRouter router = router(origin);
        Client client = track(new Client(router.localAddress()));
        byte[] check = binding();

        client.send(check);
        assertThat(client.receive()).isNotNull();
        client.send(check);

        assertThat(client.receive()).isNotNull();
        assertThat(router.replaysRefused()).isZero();
    }

    @Test
    void theClientIsToldItsOwnMappedAddressSignedWithTheSessionPassword() throws Exception {
        TestOrigin origin = track(new TestOrigin(PWD));
        WebRtcRouter router = router(origin);
        Client client = track(new Client(router.localAddress()));

        client.send(binding());
        byte[] answer = client.receive();

        assertThat(answer).isNotNull();
        StunMessage m = new StunMessage();
        assertThat(m.wrap(ByteBuffer.wrap(answer), 0, answer.length)).isTrue();
        assertThat(m.messageType()).isEqualTo(StunMessageType.BINDING_SUCCESS_RESPONSE);
        System.out.println("[figure] XOR-MAPPED-ADDRESS told to client " + client.address() + ": " + m.xorMappedAddress());
        assertThat(m.xorMappedAddress()).isEqualTo(client.address());
        StunVerifier verifier = new StunVerifier();
        assertThat(verifier.verifyIntegrity(m, StunIntegrityKey.shortTerm(PWD))).isTrue();
        assertThat(verifier.verifyFingerprint(m)).isTrue();
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private WebRtcRouter router(TestOrigin origin) throws Exception {
        WebRtcRouter router = track(WebRtcRouter.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .workers(2).sessionStore(balancer.sessions()).lifecycle(lifecycle).build().start());
        WebRtcSession s = new WebRtcSession("s1", USER, PWD, StreamKey.of(null, "live", "s1"), "o1", origin.address(),
                Direction.PUBLISH, Instant.now(), null);
        balancer.sessions().store(s);
        lifecycle.start(new SessionInfo("s1", SessionProtocol.WEBRTC, Direction.PUBLISH, s.streamKey(), "o1", null,
                Instant.now()));
        return router;
    }

    /** A signed binding request with a fresh transaction id, as bytes an eavesdropper could copy. */
    private static byte[] binding() {
        byte[] tid = new byte[12];
        new Random().nextBytes(tid);
        ByteBuffer out = ByteBuffer.allocate(512);
        int n = new StunMessageWriter().start(out, 0, StunMessageType.BINDING_REQUEST, tid, 0)
                .username(USER).priority(1853824767).iceControlling(42L).useCandidate()
                .messageIntegrity(StunIntegrityKey.shortTerm(PWD)).fingerprint().finish();
        return Arrays.copyOf(out.array(), n);
    }

}
