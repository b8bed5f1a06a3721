package dev.originproxy.srt.router;

import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.SrtRejectReason;
import dev.originproxy.srt.router.SrtPeers.Placement;
import dev.originproxy.srt.router.SrtPeers.TestCaller;
import dev.originproxy.srt.router.SrtPeers.TestOrigin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.originproxy.srt.router.SrtPeers.handshake;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, origin answers scrubbed: an origin's SRT rejection reaches the caller without the
 * origin's address in its peer-IP field. The origin listens on 127.0.0.2 so its address differs
 * from the caller's (127.0.0.1).
 */
@Timeout(30)
class SrtRejectionScrubTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void anOriginRejectionCarriesTheCallersAddressNotTheOrigins() throws Exception {
        InetAddress originIp = InetAddress.getByName("127.0.0.2");
        TestOrigin rejecting = track(new TestOrigin(originIp, TestOrigin.Mode.REJECT, SrtRejectReason.BADSECRET.code(), 0));
        Placement placement = new Placement();
        placement.put("livestream", SrtPeers.origin("o1", rejecting.address()));
        SrtRouter router = track(SrtRouter.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .workers(1).placement(placement).lifecycle(new SessionLifecycle()).build().start());
        TestCaller caller = track(new TestCaller(router.localAddress()));
        int cookie = caller.induce();

        caller.send(caller.conclusion(cookie, "#!::r=live/livestream,m=publish"));
        SrtHandshake answer = handshake(caller.expect(Duration.ofSeconds(2)));

        assertThat(answer.isRejection()).isTrue();
        assertThat(answer.peerAddress()).isNotEqualTo(originIp).isEqualTo(InetAddress.getLoopbackAddress());
    }

    @Test
    void rejectionLogLinesWithCallerChosenTextAreRateLimitedPerSource() throws Exception {
        SrtRouter router = track(SrtRouter.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .workers(1).placement(new Placement()).lifecycle(new SessionLifecycle()).build().start());
        TestCaller caller = track(new TestCaller(router.localAddress()));
        int cookie = caller.induce();
        String marker = "ATTACKER-CHOSEN-TEXT";
        java.io.PrintStream realErr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        int attempts = 100;
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            for (int i = 0; i < attempts; i++) {
                caller.send(caller.conclusion(cookie, "#!::r=live/x,m=" + marker + i));
                caller.expect(Duration.ofSeconds(2)); // each one is answered with a rejection
            }
        } finally {
            System.setErr(realErr);
        }
        long lines = captured.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains(marker)).count();

        System.out.println("[figure] " + attempts + " rejected conclusions with caller-chosen text from one source: "
                + lines + " log lines");
        assertThat(lines).isBetween(1L, 10L);
        assertThat(router.stats().handshakesRejected()).isEqualTo(attempts);
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }
}
