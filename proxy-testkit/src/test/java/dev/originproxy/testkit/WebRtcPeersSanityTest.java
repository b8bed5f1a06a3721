package dev.originproxy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Node peers talk real WebRTC to each other on loopback, with no proxy in between. */
@ExtendWith(PeerLogs.class)
class WebRtcPeersSanityTest {

    @Test
    @Timeout(40)
    void whipClientPublishesToOriginStandInAndDeletesItsSession() {
        NodePeers peers = NodePeers.locate();
        try (OriginStandIn origin = OriginStandIn.start(peers);
             ExternalProcess whip = peers.start("whip-client", "whip-client.mjs",
                     "--url", origin.whipUrl("live", "sanity"),
                     "--rtp-packets", "60", "--timeout-ms", "15000", "--delete")) {
            JsonLines.Event answer = JsonLines.await(whip, "answer", Duration.ofSeconds(10));
            assertThat(answer.string("candidates")).contains("127.0.0.1");
            assertThat(answer.string("location")).startsWith("/rtc/v1/whip/?app=live&stream=sanity&session=");

            JsonLines.Event result = JsonLines.await(whip, "result", Duration.ofSeconds(15));
            assertThat(result.longValue("rtpSent")).isEqualTo(60);
            assertThat(result.longValue("echoes")).isEqualTo(5);

            JsonLines.Event deleted = JsonLines.await(whip, "deleted", Duration.ofSeconds(5));
            assertThat(deleted.intValue("status")).isEqualTo(200);
            assertThat(whip.waitForExit(Duration.ofSeconds(10))).isZero();

            OriginStandIn.Session session = origin.awaitSession(
                    s -> s.stream().equals("sanity") && s.closed(), Duration.ofSeconds(5));
            assertThat(session.kind()).isEqualTo("whip");
            assertThat(session.app()).isEqualTo("live");
            assertThat(session.rtpReceived()).isGreaterThanOrEqualTo(50);
            assertThat(session.dcEchoed()).isEqualTo(5);
        }
    }
}
