package dev.originproxy.lb.redis;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.function.Supplier;

/** Prints the logs of a test's external processes when the test fails. */
final class LogOnFailure implements TestWatcher {
    private final Supplier<String> logs;

    LogOnFailure(Supplier<String> logs) {
        this.logs = logs;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        System.err.println("=== redis logs after failure of " + context.getDisplayName() + " ===\n" + logs.get());
    }
}
