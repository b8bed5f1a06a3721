package dev.originproxy.lb.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} for tests: found on PATH (the test fails, never skips, when it is
 * missing), bound to 127.0.0.1 on a random free port, without persistence, with its own temporary
 * directory and log file. {@link #start()} waits for PING with a deadline; {@link #stop()} and
 * {@link #start()} again restart it on the same port (fault tests). {@link #log()} gives its log
 * for failure messages.
 *
 * <p>Not thread-safe; one test class drives it.
 */
public final class RedisServerProcess implements AutoCloseable {
    static final Duration START_DEADLINE = Duration.ofSeconds(15);

    private final int port;
    private final Path dir;
    private final Path logFile;
    private final List<String> extraArgs;
    private Process process;

    private RedisServerProcess(int port, Path dir, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.logFile = dir.resolve("redis-" + port + ".log");
        this.extraArgs = extraArgs;
    }

    /** A server on a random free loopback port, not yet started. */
    public static RedisServerProcess onFreePort(String... extraArgs) throws IOException {
        Path dir = Files.createTempDirectory("originproxy-redis-");
        return new RedisServerProcess(freePort(), dir, List.of(extraArgs));
    }

    /** A cluster-enabled node on a random free loopback port, not yet started. */
    public static RedisServerProcess clusterNodeOnFreePort() throws IOException {
        Path dir = Files.createTempDirectory("originproxy-redis-cluster-");
        int port = freePort();
        return new RedisServerProcess(port, dir, List.of("--cluster-enabled", "yes",
                "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(),
                "--cluster-node-timeout", "5000"));
    }

    /** Starts (or restarts, same port) and waits until it answers PING. */
    public RedisServerProcess start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server on port " + port + " already running");
        }
        List<String> cmd = new ArrayList<>(List.of(redisServer(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--protected-mode", "no"));
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        process = pb.start();
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited with "
                        + process.exitValue() + "; log:\n" + log());
            }
            try {
                if ("PONG".equals(command(port, "PING"))) {
                    return this;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(20);
        }
        stop();
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
                + START_DEADLINE + " (" + last + "); log:\n" + log());
    }

    /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits until it is gone. */
    public void stop() throws InterruptedException {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        process = null;
    }

    /** The loopback port. */
    public int port() {
        return port;
    }

    /** Its working directory (cluster config files go here). */
    public Path dir() {
        return dir;
    }

    /** The server's log so far. */
    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a leftover temp dir is harmless
        }
    }

    /** The absolute path of {@code redis-server} on PATH; fails the test when missing. */
    static String redisServer() {
        return onPath("redis-server");
    }

    /** The absolute path of {@code redis-cli} on PATH; fails the test when missing. */
    static String redisCli() {
        return onPath("redis-cli");
    }

    private static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                File f = new File(d, name);
                if (f.isFile() && f.canExecute()) {
                    return f.getAbsolutePath();
                }
            }
        }
        throw new IllegalStateException(name + " not found: apt-get install -y redis-server");
    }

    /** A port free on 127.0.0.1 right now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Sends one command over a fresh connection and returns a simple-string, integer or bulk
     * reply as text (errors come back as {@code -ERR ...}); enough for readiness probes without a
     * client library.
     */
    static String command(int port, String... args) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            s.setSoTimeout(2000);
            StringBuilder req = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) {
                req.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            String first = readLine(in);
            if (first.startsWith("+") || first.startsWith(":")) {
                return first.substring(1);
            }
            if (first.startsWith("$")) {
                int n = Integer.parseInt(first.substring(1));
                if (n < 0) {
                    return null;
                }
                byte[] body = in.readNBytes(n + 2);
                return new String(body, 0, n, StandardCharsets.UTF_8);
            }
            return first;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                in.read(); // '\n'
                return b.toString();
            }
            b.append((char) c);
        }
        throw new IOException("connection closed before a reply");
    }
}
