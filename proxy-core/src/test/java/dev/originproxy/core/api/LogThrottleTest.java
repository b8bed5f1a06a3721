package dev.originproxy.core.api;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-source log limit and the redaction of request lines. */
class LogThrottleTest {
    private static final long MINUTE = 60_000_000_000L;

    @Test
    void aSourceLogsItsBurstThenItsRateAndTheRestIsCounted() throws Exception {
        AtomicLong now = new AtomicLong();
        LogThrottle throttle = new LogThrottle(3, 6, 100, now::get);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");

        int allowed = 0;
        for (int i = 0; i < 50; i++) {
            allowed += throttle.allow(a) ? 1 : 0;
        }
        boolean otherSource = throttle.allow(b);
        now.addAndGet(MINUTE / 6); // one line regained
        boolean afterTenSeconds = throttle.allow(a);
        boolean tooSoon = throttle.allow(a);

        assertThat(allowed).isEqualTo(3);
        assertThat(otherSource).isTrue();
        assertThat(afterTenSeconds).isTrue();
        assertThat(tooSoon).isFalse();
        assertThat(throttle.suppressed()).isEqualTo(48);
    }

    @Test
    void sourcesBeyondTheTrackedNumberShareOneBucket() throws Exception {
        LogThrottle throttle = new LogThrottle(1, 1, 2, () -> 0L);
        assertThat(throttle.allow(InetAddress.getByName("192.0.2.1"))).isTrue();
        assertThat(throttle.allow(InetAddress.getByName("192.0.2.2"))).isTrue();

        int allowed = 0;
        for (int i = 3; i < 200; i++) {
            allowed += throttle.allow(InetAddress.getByName("192.0.2." + (i % 250))) ? 1 : 0;
        }

        assertThat(allowed).isEqualTo(1);
    }

    @Test
    void requestLinesCarryNoTokensAndNoLineBreaks() {
        ApiRequest r = ApiRequest.of("POST", "/rtc/v1/whip/?app=live&stream=s&token=s3cret&session=cap1&secret=x",
                new byte[0]);
        ApiRequest injected = ApiRequest.of("GET", "/x\r\nFAKE LINE", new byte[0]);

        assertThat(r.toString()).isEqualTo("POST /rtc/v1/whip/?app=live&stream=s&token=***&session=***&secret=***");
        assertThat(injected.toString()).doesNotContain("\r").doesNotContain("\n");
    }
}
