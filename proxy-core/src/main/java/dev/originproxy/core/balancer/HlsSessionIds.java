package dev.originproxy.core.balancer;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * Makes and checks HLS session ids: 128 bits from a {@link SecureRandom}, base64url without
 * padding (22 characters). An id is a capability: whoever holds it reads the stream from its
 * origin, so ids must not be guessable from other ids (no counters, no time). Checking the shape
 * before a store lookup keeps hostile query strings out of shared-store keys.
 *
 * <p>Thread-safe ({@link SecureRandom} is).
 */
public final class HlsSessionIds {
    /** Characters of every id. */
    public static final int LENGTH = 22;
    private static final int RANDOM_BYTES = 16;

    private final SecureRandom random;

    /** Ids from a new {@link SecureRandom}. */
    public HlsSessionIds() {
        this(new SecureRandom());
    }

    /** Ids from {@code random} (tests pass a seeded one). */
    public HlsSessionIds(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A new id. */
    public String next() {
        byte[] b = new byte[RANDOM_BYTES];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Whether {@code id} has the shape {@link #next()} gives (length and alphabet). */
    public static boolean isWellFormed(CharSequence id) {
        if (id == null || id.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        // 16 bytes use 128 of the 132 bits of 22 characters: the last one carries 2 bits.
        return "AQgw".indexOf(id.charAt(LENGTH - 1)) >= 0;
    }
}
