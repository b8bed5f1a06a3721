package dev.originproxy.examples.gateway;

import dev.originproxy.examples.logging.GatewayLoggingProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * {@code java -jar originproxy-gateway.jar}: the gateway, configured by environment variables
 * (and a {@code .env} file in the working directory) with the SRS Go proxy's names.
 *
 * <p>Exit codes: 0 after a clean shutdown on SIGTERM/SIGINT; 2 for a bad setting; 1 when a
 * listener cannot be bound or the gateway failed to start; 3 when the force-quit timeout ended a
 * shutdown that did not finish. Start-up failures print one line naming the variable; nothing is
 * retried.
 */
public final class Main {
    private Main() {
    }

    /**
     * The JDK HTTP client's read buffer for the gateway's origin connections, unless the host set
     * {@code jdk.httpclient.bufsize} itself. The client reads every connection into buffers of this
     * size (default 16 KiB); origins answer an offer with a few KiB and close the connection, so at
     * the default each session set-up leaves 16 KiB of garbage (16 MB of heap touched per thousand
     * sessions). A larger answer still arrives whole, in more reads.
     */
    static final String ORIGIN_READ_BUFFER_BYTES = "4096";

    /** Starts the gateway and runs until SIGTERM or SIGINT. */
    public static void main(String[] args) {
        // before the first HttpClient: the JDK reads the property once
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", ORIGIN_READ_BUFFER_BYTES);
        }
        System.exit(run(System.getenv(), Path.of(".env"), System.err));
    }

    static int run(Map<String, String> environment, Path dotEnv, PrintStream err) {
        GatewayConfig config;
        try {
            Map<String, String> merged = DotEnv.merge(environment, dotEnv);
            // Before anything else: the binding reads its level and format once, when the first
            // logger is made, and reading the settings may already load classes that log. A bad
            // value falls back to info/text here and is refused just below with exit code 2.
            configureLogging(merged.getOrDefault("PROXY_LOG_LEVEL", "info"),
                    merged.getOrDefault("PROXY_LOG_FORMAT", "text"));
            config = GatewayConfig.from(merged);
        } catch (ConfigException e) {
            err.println("originproxy: bad setting: " + e.getMessage());
            return 2;
        }
        Logger log = LoggerFactory.getLogger(Main.class);

        // Our own handlers instead of shutdown hooks: with hooks the JVM exits 143/130 after a
        // signal, and a clean shutdown should exit 0. A second signal skips the grace period.
        AtomicInteger signals = new AtomicInteger();
        CountDownLatch stop = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> {
                    signals.incrementAndGet();
                    stop.countDown();
                });
            } catch (IllegalArgumentException e) {
                // the VM owns this signal (-Xrs, or SIGINT ignored under nohup): the other one still works
                err.println("originproxy: SIG" + name + " not handled: " + e.getMessage());
            }
        }

        Gateway gateway;
        try {
            gateway = Gateway.start(config);
        } catch (ConfigException e) {
            err.println("originproxy: bad setting: " + e.getMessage());
            return 2;
        } catch (StartupException e) {
            err.println("originproxy: cannot start: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("originproxy: cannot start: " + e);
            return 1;
        }
        if (!config.notServed().isEmpty()) {
            log.warn("not served by this gateway yet (point those clients at the origins): {}",
                    config.notServed().entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue() + " (" + protocolOf(e.getKey()) + ")")
                            .collect(Collectors.joining(", ")));
        }
        if (config.srtCookieSecret().isEmpty()) {
            log.info("PROXY_SRT_COOKIE_SECRET not set: SRT SYN cookies use a random per-process secret;"
                    + " give every proxy of a fleet the same one");
        }
        log.info("ready: originproxy {} (grace {}s, force {}s)", SystemApi.VERSION,
                config.graceQuitTimeout().toSeconds(), config.forceQuitTimeout().toSeconds());

        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Duration force = config.forceQuitTimeout();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(force.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("originproxy: shutdown did not finish within PROXY_FORCE_QUIT_TIMEOUT ("
                    + force.toSeconds() + "s); exiting");
            Runtime.getRuntime().halt(3);
        }, "force-quit");
        watchdog.setDaemon(true);
        watchdog.start();

        int live = gateway.liveSessions();
        log.info("shutting down: refusing new sessions, {} live, waiting up to {}s", live,
                config.graceQuitTimeout().toSeconds());
        gateway.drain();
        boolean idle;
        try {
            idle = gateway.awaitIdle(config.graceQuitTimeout(), () -> signals.get() > 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            idle = false;
        }
        if (!idle) {
            log.info("grace period over: ending {} live sessions", gateway.liveSessions());
        }
        gateway.close();
        log.info("stopped");
        return 0;
    }

    private static String protocolOf(String variable) {
        return variable.replace("PROXY_", "").replace("_SERVER", "");
    }

    private static void configureLogging(String level, String format) {
        setIfAbsent(GatewayLoggingProvider.LEVEL_PROPERTY, level);
        setIfAbsent(GatewayLoggingProvider.FORMAT_PROPERTY, format);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
