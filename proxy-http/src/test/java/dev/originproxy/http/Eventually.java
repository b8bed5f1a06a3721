package dev.originproxy.http;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes (then fails with a message). */
final class Eventually {
    private Eventually() {
    }

    static void until(Duration deadline, String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("not within " + deadline + ": " + what);
            }
            Thread.sleep(10);
        }
    }
}
