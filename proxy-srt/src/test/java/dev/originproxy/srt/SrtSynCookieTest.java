package dev.originproxy.srt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

class SrtSynCookieTest {
    private static final byte[] SECRET = "fleet-secret-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final InetSocketAddress CALLER = new InetSocketAddress("192.0.2.10", 40000);
    private static final long START = 1_700_000_040_000L; // on a 60 s bucket boundary

    private final MutableClock clock = new MutableClock(START);
    private final SrtSynCookie cookies = SrtSynCookie.builder().secret(SECRET).clock(clock).build();

    @Test
    void issuedCookieVerifiesForTheSameCaller() {
        int cookie = cookies.issue(CALLER);

        assertThat(cookie).isNotZero();
        assertThat(cookies.verify(CALLER, cookie)).isTrue();
        assertThat(cookies.verify(CALLER, cookie ^ 0xFF)).isFalse();
        assertThat(cookies.verify(CALLER, 0)).isFalse();
    }

    @Test
    void cookieOfThePreviousBucketStillVerifies() {
        int cookie = cookies.issue(CALLER);

        clock.advance(Duration.ofSeconds(119));

        assertThat(cookies.verify(CALLER, cookie)).isTrue();
    }

    @Test
    void cookieOfTwoBucketsAgoFails() {
        int cookie = cookies.issue(CALLER);

        clock.advance(Duration.ofSeconds(120));

        assertThat(cookies.verify(CALLER, cookie)).isFalse();
        assertThat(cookies.issue(CALLER)).isNotEqualTo(cookie);
    }

    @Test
    void cookieIsBoundToPortAndAddress() {
        int cookie = cookies.issue(CALLER);

        assertThat(cookies.verify(new InetSocketAddress("192.0.2.10", 40001), cookie)).isFalse();
        assertThat(cookies.verify(new InetSocketAddress("192.0.2.11", 40000), cookie)).isFalse();
        assertThat(cookies.verify(new InetSocketAddress("::ffff:c000:20a", 40000), cookie)).isTrue();
        assertThat(cookies.verify(new InetSocketAddress("2001:db8::1", 40000), cookie)).isFalse();
        assertThat(cookies.verify(InetSocketAddress.createUnresolved("example.com", 40000), cookie)).isFalse();
    }

    @Test
    void differentSecretDoesNotVerify() {
        int cookie = cookies.issue(CALLER);
        SrtSynCookie other = SrtSynCookie.builder().secret("another-secret-0123456789".getBytes(StandardCharsets.US_ASCII))
                .clock(clock).build();

        assertThat(other.verify(CALLER, cookie)).isFalse();
    }

    @Test
    void instancesSharingASecretAgree() {
        SrtSynCookie peer = SrtSynCookie.builder().secret(SECRET.clone()).clock(clock).build();

        assertThat(peer.issue(CALLER)).isEqualTo(cookies.issue(CALLER));
        assertThat(peer.verify(CALLER, cookies.issue(CALLER))).isTrue();
    }

    @Test
    void randomSecretsDiffer() {
        SrtSynCookie a = SrtSynCookie.builder().clock(clock).build();
        SrtSynCookie b = SrtSynCookie.builder().clock(clock).build();

        assertThat(a.verify(CALLER, a.issue(CALLER))).isTrue();
        assertThat(b.verify(CALLER, a.issue(CALLER))).isFalse();
    }

    @Test
    void cookieIsTheDocumentedTruncatedHmacSha256() throws Exception {
        ByteBuffer message = ByteBuffer.allocate(15);
        message.put((byte) 4).put(new byte[] {(byte) 192, 0, 2, 10}).putShort((short) 40000).putLong(START / 60_000);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));

        int expected = ByteBuffer.wrap(mac.doFinal(message.array())).getInt();

        assertThat(cookies.issue(CALLER)).isEqualTo(expected);
    }

    @Test
    void longSecretsAreHashedAsHmacRequires() throws Exception {
        byte[] longSecret = new byte[100];
        for (int i = 0; i < longSecret.length; i++) {
            longSecret[i] = (byte) i;
        }
        SrtSynCookie c = SrtSynCookie.builder().secret(longSecret).clock(clock).build();
        ByteBuffer message = ByteBuffer.allocate(15);
        message.put((byte) 4).put(new byte[] {(byte) 192, 0, 2, 10}).putShort((short) 40000).putLong(START / 60_000);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(longSecret, "HmacSHA256"));

        assertThat(c.issue(CALLER)).isEqualTo(ByteBuffer.wrap(mac.doFinal(message.array())).getInt());
    }

    @Test
    void configurableBucketLength() {
        SrtSynCookie shortBuckets = SrtSynCookie.builder().secret(SECRET).bucket(Duration.ofSeconds(10)).clock(clock).build();
        int cookie = shortBuckets.issue(CALLER);

        clock.advance(Duration.ofSeconds(19));
        assertThat(shortBuckets.verify(CALLER, cookie)).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(shortBuckets.verify(CALLER, cookie)).isFalse();
    }

    @Test
    void rejectsWeakConfiguration() {
        assertThatThrownBy(() -> SrtSynCookie.builder().secret(new byte[15]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SrtSynCookie.builder().bucket(Duration.ofMillis(999)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cookies.issue(new byte[5], 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cookies.issue(new byte[4], 65536)).isInstanceOf(IllegalArgumentException.class);
        assertThat(cookies.verify(new byte[5], 1, 1)).isFalse();
    }

    /** A clock the test moves by hand. */
    private static final class MutableClock extends Clock {
        private long millis;

        MutableClock(long millis) {
            this.millis = millis;
        }

        void advance(Duration d) {
            millis += d.toMillis();
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
