package dev.originproxy.srt;

import dev.originproxy.core.crypto.Hmac;
import dev.originproxy.core.crypto.HmacKey;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Stateless SYN cookies for the SRT caller-listener handshake ({@code draft-sharabayko-srt}
 * §4.3.1.1: the listener answers an INDUCTION with a cookie the caller must echo in its
 * CONCLUSION). The proxy keeps no per-induction state: a cookie is recomputed when the
 * CONCLUSION arrives.
 *
 * <p>Cookie = first 4 bytes (big-endian) of HMAC-SHA256(secret, m), where
 * {@code m = addressLength(1 byte) || address (4 or 16 bytes, network order) || port (2 bytes,
 * big-endian) || bucket (8 bytes, big-endian)} and {@code bucket = floor(millis / bucketMillis)};
 * a zero result is replaced by 1 because a zero cookie means "none" on the wire. A cookie
 * verifies in the bucket it was issued in and the next one, so it lives between one and two
 * bucket lengths (60 s buckets by default, like libsrt's one-minute cookies). Proxies of a fleet
 * that share the secret (and roughly agree on the time) verify each other's cookies.
 *
 * <p>Threading: {@link #issue} and {@link #verify} are synchronized; one instance may be shared
 * by event-loop workers, or each worker may hold its own with the same secret to avoid
 * contention. The {@code byte[]} overloads allocate nothing (HMAC-SHA256 through core's
 * allocation-free {@code Hmac}, the one HMAC of the project); the {@link InetSocketAddress} overloads allocate
 * the address copy that {@link InetAddress#getAddress()} returns.
 */
public final class SrtSynCookie {
    /** The bucket length used when none is configured. */
    public static final Duration DEFAULT_BUCKET = Duration.ofSeconds(60);
    /** The shortest secret accepted, in bytes. */
    public static final int MIN_SECRET_LENGTH = 16;

    private final HmacKey key;
    private final Hmac hmac = new Hmac(Hmac.Algorithm.SHA256);
    private final byte[] message = new byte[1 + 16 + 2 + 8];
    private final byte[] hash = new byte[32];
    private final long bucketMillis;
    private final Clock clock;

    private SrtSynCookie(byte[] secret, long bucketMillis, Clock clock) {
        this.key = HmacKey.of(Hmac.Algorithm.SHA256, secret, 0, secret.length);
        this.bucketMillis = bucketMillis;
        this.clock = clock;
    }

    /** A builder: random secret, {@link #DEFAULT_BUCKET}, system UTC clock unless set. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A cookie for a caller, for the current time bucket.
     *
     * @throws IllegalArgumentException when the address is unresolved
     */
    public int issue(InetSocketAddress caller) {
        InetAddress address = caller.getAddress();
        if (address == null) {
            throw new IllegalArgumentException("unresolved caller address: " + caller);
        }
        return issue(address.getAddress(), caller.getPort());
    }

    /**
     * A cookie for a caller, for the current time bucket; allocation-free.
     *
     * @param address 4 or 16 bytes in network order
     * @param port UDP port, 0-65535
     * @throws IllegalArgumentException when the address length or port is invalid
     */
    public synchronized int issue(byte[] address, int port) {
        checkAddress(address, port);
        return compute(address, port, currentBucket());
    }

    /**
     * {@code true} when {@code cookie} was issued to this caller address and port, by any
     * instance with the same secret and bucket length, in the current or the previous bucket.
     * An unresolved address never verifies.
     */
    public boolean verify(InetSocketAddress caller, int cookie) {
        InetAddress address = caller.getAddress();
        return address != null && verify(address.getAddress(), caller.getPort(), cookie);
    }

    /**
     * {@link #verify(InetSocketAddress, int)} without allocation; an invalid address length or
     * port never verifies.
     */
    public synchronized boolean verify(byte[] address, int port, int cookie) {
        if (cookie == 0 || address == null || (address.length != 4 && address.length != 16)
                || port < 0 || port > 0xFFFF) {
            return false;
        }
        long bucket = currentBucket();
        return compute(address, port, bucket) == cookie || compute(address, port, bucket - 1) == cookie;
    }

    private long currentBucket() {
        return Math.floorDiv(clock.millis(), bucketMillis);
    }

    private int compute(byte[] address, int port, long bucket) {
        int n = 0;
        message[n++] = (byte) address.length;
        System.arraycopy(address, 0, message, n, address.length);
        n += address.length;
        message[n++] = (byte) (port >>> 8);
        message[n++] = (byte) port;
        for (int shift = 56; shift >= 0; shift -= 8) {
            message[n++] = (byte) (bucket >>> shift);
        }
        hmac.start(key).update(message, 0, n).finish(hash, 0);
        int cookie = (hash[0] & 0xFF) << 24 | (hash[1] & 0xFF) << 16 | (hash[2] & 0xFF) << 8 | (hash[3] & 0xFF);
        return cookie == 0 ? 1 : cookie;
    }

    private static void checkAddress(byte[] address, int port) {
        if (address == null || (address.length != 4 && address.length != 16)) {
            throw new IllegalArgumentException("caller address must be 4 or 16 bytes");
        }
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }


    /** Configures an {@link SrtSynCookie}. Not thread-safe; build once at startup. */
    public static final class Builder {
        private byte[] secret;
        private Duration bucket = DEFAULT_BUCKET;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * The shared secret (copied). Give every proxy of a fleet the same secret so any of them
         * verifies a cookie another issued. Default: 32 random bytes, private to the instance.
         *
         * @throws IllegalArgumentException when shorter than {@link #MIN_SECRET_LENGTH}
         */
        public Builder secret(byte[] secret) {
            Objects.requireNonNull(secret, "secret");
            if (secret.length < MIN_SECRET_LENGTH) {
                throw new IllegalArgumentException(
                        "cookie secret must be at least " + MIN_SECRET_LENGTH + " bytes");
            }
            this.secret = secret.clone();
            return this;
        }

        /**
         * The time bucket length (at least one second); a cookie lives one to two buckets.
         *
         * @throws IllegalArgumentException when shorter than one second
         */
        public Builder bucket(Duration bucket) {
            Objects.requireNonNull(bucket, "bucket");
            if (bucket.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("cookie bucket must be at least 1 s: " + bucket);
            }
            this.bucket = bucket;
            return this;
        }

        /** The clock the time bucket is read from (tests inject a controllable one). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** A new cookie issuer/verifier. */
        public SrtSynCookie build() {
            byte[] key = secret;
            if (key == null) {
                key = new byte[32];
                new SecureRandom().nextBytes(key);
            }
            SrtSynCookie cookies = new SrtSynCookie(key, bucket.toMillis(), clock);
            if (key != secret) {
                Arrays.fill(key, (byte) 0);
            }
            return cookies;
        }
    }
}
