package dev.originproxy.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * An external process started by a test (a WebRTC peer, redis-server, srt-live-transmit...).
 *
 * <p>Its stdout and stderr are read line by line by two daemon threads, appended to a log file
 * {@code target/peer-logs/<name>-<n>.log} (stderr lines prefixed with {@code "err| "}) and kept
 * in memory (the last {@value #MAX_LINES} lines) so a test can wait for a line. Every process is
 * also registered with {@link PeerLogs}, which prints the logs when a test fails.
 *
 * <pre>{@code
 * try (ExternalProcess origin = ExternalProcess.builder("origin", List.of("node", "origin.mjs")).start()) {
 *     String ready = origin.waitForLine(l -> l.contains("\"event\":\"ready\""), Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>{@link #close()} sends SIGTERM, waits a grace period, then kills forcibly; the process's
 * descendants (e.g. the browser started by a Node script) are ended the same way.
 */
public final class ExternalProcess implements AutoCloseable {

    /** Lines kept in memory for matching and {@link #log()}; older lines stay in the log file. */
    public static final int MAX_LINES = 20_000;

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);

    private final String name;
    private final int sequence;
    private final List<String> command;
    private final Process process;
    private final Path logFile;
    private final Writer logWriter;
    private final Duration grace;
    private final Instant startedAt = Instant.now();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private long droppedLines;
    private int openStreams = 2;
    private final List<Thread> readers = new ArrayList<>(2);
    private boolean closed;

    private ExternalProcess(Builder b) throws IOException {
        this.name = b.name;
        this.sequence = COUNTER.incrementAndGet();
        this.command = List.copyOf(b.command);
        this.grace = b.grace;
        Path logDir = b.logDir;
        Files.createDirectories(logDir);
        this.logFile = logDir.resolve(sanitize(name) + "-" + sequence + ".log");
        this.logWriter = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
        logWriter.write("# " + String.join(" ", command) + "\n");
        logWriter.flush();
        ProcessBuilder pb = new ProcessBuilder(command);
        if (b.directory != null) {
            pb.directory(b.directory.toFile());
        }
        pb.environment().putAll(b.env);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        try {
            this.process = pb.start();
        } catch (IOException e) {
            logWriter.close();
            throw new IOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
        process.getOutputStream().close();
        readers.add(startReader(process.getInputStream(), ""));
        readers.add(startReader(process.getErrorStream(), "err| "));
        PeerLogs.register(this);
    }

    /**
     * @param name    a short name used in the log file name and messages (e.g. {@code "whip-client"})
     * @param command the program and its arguments
     * @return a builder; call {@link Builder#start()}
     */
    public static Builder builder(String name, List<String> command) {
        return new Builder(name, command);
    }

    /**
     * Starts {@code command} in the current directory with the inherited environment.
     *
     * @param name    a short name for logs
     * @param command the program and its arguments
     * @return the running process
     */
    public static ExternalProcess start(String name, List<String> command) {
        return builder(name, command).start();
    }

    private Thread startReader(InputStream in, String prefix) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    append(prefix, line);
                }
            } catch (IOException e) {
                append("err| ", "[testkit] reading output failed: " + e);
            } finally {
                lock.lock();
                try {
                    openStreams--;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }, "proc-" + name + "-" + sequence + (prefix.isEmpty() ? "-out" : "-err"));
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void append(String prefix, String line) {
        lock.lock();
        try {
            lines.addLast(line);
            if (lines.size() > MAX_LINES) {
                lines.removeFirst();
                droppedLines++;
            }
            try {
                logWriter.write(prefix);
                logWriter.write(line);
                logWriter.write('\n');
                logWriter.flush();
            } catch (IOException ignored) {
                // the in-memory copy is still there
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a line of stdout or stderr matching {@code predicate} has been printed. Lines
     * printed before this call count too (the search always starts at the first retained line),
     * so waiting for {@code "ready"} after the process printed it returns at once.
     *
     * @param predicate what the line must satisfy
     * @param deadline  how long to wait at most
     * @return the first matching line
     * @throws AssertionError with this process's log when the deadline passes or the process
     *                        ended without printing such a line
     */
    public String waitForLine(Predicate<String> predicate, Duration deadline) {
        Objects.requireNonNull(predicate, "predicate");
        long end = System.nanoTime() + deadline.toNanos();
        lock.lock();
        try {
            long checked = 0; // absolute index of the next line to test
            while (true) {
                long first = droppedLines;
                int i = 0;
                for (String line : lines) {
                    long abs = first + i++;
                    if (abs < checked) {
                        continue;
                    }
                    checked = abs + 1;
                    if (predicate.test(line)) {
                        return line;
                    }
                }
                if (openStreams == 0) {
                    throw new AssertionError(name + " ended (" + exitDescription()
                            + ") without printing a line matching " + predicate + "\n" + logBlock());
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(name + ": no line matching " + predicate + " within " + deadline
                            + " (" + exitDescription() + ")\n" + logBlock());
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for " + name, e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for a line in which {@code pattern} is found ({@link java.util.regex.Matcher#find()}).
     *
     * @param pattern  the pattern to find
     * @param deadline how long to wait at most
     * @return the first matching line
     * @throws AssertionError with this process's log, as {@link #waitForLine(Predicate, Duration)}
     */
    public String waitForLine(Pattern pattern, Duration deadline) {
        return waitForLine(new Predicate<>() {
            @Override
            public boolean test(String line) {
                return pattern.matcher(line).find();
            }

            @Override
            public String toString() {
                return "/" + pattern + "/";
            }
        }, deadline);
    }

    /**
     * Waits for the process to exit and for its output to be read.
     *
     * @param deadline how long to wait at most
     * @return the exit code
     * @throws AssertionError with the log when the process is still running at the deadline
     */
    public int waitForExit(Duration deadline) {
        try {
            if (!process.waitFor(deadline.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new AssertionError(name + " still running after " + deadline + "\n" + logBlock());
            }
            for (Thread t : readers) {
                t.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + name, e);
        }
        return process.exitValue();
    }

    /** @return whether the process is still running */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** @return the operating system's process id */
    public long pid() {
        return process.pid();
    }

    /** @return the short name given at start */
    public String name() {
        return name;
    }

    /** @return the command line */
    public List<String> command() {
        return command;
    }

    /** @return the log file under {@code target/peer-logs/} */
    public Path logFile() {
        return logFile;
    }

    /** @return the retained stdout and stderr lines, in arrival order, one per line */
    public String log() {
        lock.lock();
        try {
            StringBuilder sb = new StringBuilder();
            if (droppedLines > 0) {
                sb.append("[").append(droppedLines).append(" earlier lines only in ").append(logFile).append("]\n");
            }
            for (String l : lines) {
                sb.append(l).append('\n');
            }
            return sb.toString();
        } finally {
            lock.unlock();
        }
    }

    /** @return a snapshot of the retained lines */
    public List<String> lines() {
        lock.lock();
        try {
            return List.copyOf(lines);
        } finally {
            lock.unlock();
        }
    }

    String logBlock() {
        return "----- " + name + "-" + sequence + " (pid " + process.pid() + ", " + logFile + ") -----\n"
                + "$ " + String.join(" ", command) + "\n" + log() + "----- end of " + name + "-" + sequence + " -----";
    }

    int sequence() {
        return sequence;
    }

    Instant startedAt() {
        return startedAt;
    }

    private String exitDescription() {
        try {
            // its output ended: the exit status follows within moments
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (process.isAlive()) {
            return "still running";
        }
        return "exit code " + process.exitValue();
    }

    /**
     * Ends the process: SIGTERM, then after the grace period a forced kill; its descendants are
     * ended too. Waits for the output to be read and closes the log file. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<ProcessHandle> descendants = process.descendants().toList();
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    append("err| ", "[testkit] no exit " + grace + " after SIGTERM; killing");
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
            for (ProcessHandle d : descendants) {
                if (d.isAlive()) {
                    d.destroy();
                }
            }
            for (ProcessHandle d : descendants) {
                try {
                    d.onExit().get(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    d.destroyForcibly();
                }
            }
            for (Thread t : readers) {
                t.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            lock.lock();
            try {
                logWriter.close();
            } catch (IOException ignored) {
                // nothing more to write
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public String toString() {
        return name + "-" + sequence + "[pid " + process.pid() + ", " + exitDescription() + "]";
    }

    private static String sanitize(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Options for starting an {@link ExternalProcess}. */
    public static final class Builder {
        private final String name;
        private final List<String> command;
        private Path directory;
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path logDir = Path.of("target", "peer-logs");
        private Duration grace = DEFAULT_GRACE;

        private Builder(String name, List<String> command) {
            this.name = Objects.requireNonNull(name, "name");
            if (command.isEmpty()) {
                throw new IllegalArgumentException("empty command");
            }
            this.command = List.copyOf(command);
        }

        /**
         * @param dir the working directory (default: the test's working directory)
         * @return this builder
         */
        public Builder directory(Path dir) {
            this.directory = dir;
            return this;
        }

        /**
         * @param key   an environment variable added to the inherited environment
         * @param value its value
         * @return this builder
         */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /**
         * @param vars environment variables added to the inherited environment
         * @return this builder
         */
        public Builder env(Map<String, String> vars) {
            env.putAll(vars);
            return this;
        }

        /**
         * @param dir where the log file goes (default {@code target/peer-logs})
         * @return this builder
         */
        public Builder logDirectory(Path dir) {
            this.logDir = dir;
            return this;
        }

        /**
         * @param grace how long {@link #close()} waits after SIGTERM before killing (default 5 s)
         * @return this builder
         */
        public Builder grace(Duration grace) {
            this.grace = grace;
            return this;
        }

        /**
         * @return the started process
         * @throws UncheckedIOException when the program cannot be started
         */
        public ExternalProcess start() {
            try {
                return new ExternalProcess(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
