package dev.originproxy.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * nginx with libnginx-mod-rtmp started by a test as a real RTMP origin (and optionally an HLS
 * origin), on free loopback ports, with a configuration generated into its own temporary
 * directory.
 *
 * <pre>{@code
 * try (NginxRtmpOrigin origin = NginxRtmpOrigin.builder().hls(true).recordAll(true).start()) {
 *     // publish to origin.rtmpUrl("livestream"), play origin.hlsUrl("livestream")
 * }
 * }</pre>
 *
 * <p>The generated configuration: {@code daemon off}, {@code master_process off} (or on),
 * {@code load_module} of {@value #RTMP_MODULE}, error log at {@code info} both to
 * {@link #errorLog()} and to stderr (so {@link PeerLogs} prints it when a test fails), the pid file
 * and every nginx temporary path inside {@link #directory()}, one RTMP {@code server} on
 * 127.0.0.1 with one application ({@code live} by default, {@code live on}), and as asked: {@code
 * record all} into {@link #recordDirectory()} (one {@code <stream>.flv} per stream),
 * {@code on_publish}/{@code on_play} callbacks, {@code hls on} with {@code hls_fragment 1s} and an
 * HTTP server on another free port serving the HLS directory under {@code /<application>/}.
 * Running as root it says {@code user root;} so workers may write the temporary directory.
 *
 * <p>{@link NginxRtmpOrigin.Builder#start()} waits until the RTMP (and HTTP) port accepts
 * connections, with a deadline; a port taken between choosing and binding makes it retry on new
 * ports. {@link #close()} stops nginx and deletes the temporary directory (a record directory
 * given by the caller is kept).
 */
public final class NginxRtmpOrigin implements AutoCloseable {
    /** Where Debian's libnginx-mod-rtmp installs the module. */
    public static final String RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

    private static final int START_ATTEMPTS = 3;
    private static final Pattern CONNECTION = Pattern.compile("\\*(\\d+) ");

    private final Builder options;
    private final Path directory;
    private final Path recordDirectory;
    private final Path hlsDirectory;
    private final int rtmpPort;
    private final int httpPort;
    private final ExternalProcess process;

    private NginxRtmpOrigin(Builder options, Path directory, Path recordDirectory, int rtmpPort, int httpPort,
            ExternalProcess process) {
        this.options = options;
        this.directory = directory;
        this.recordDirectory = recordDirectory;
        this.hlsDirectory = directory.resolve("hls");
        this.rtmpPort = rtmpPort;
        this.httpPort = httpPort;
        this.process = process;
    }

    /** @return options for a new origin; {@link Builder#start()} starts it */
    public static Builder builder() {
        return new Builder();
    }

    /** @return an origin with the defaults: application {@code live}, no record, no callbacks, no HLS */
    public static NginxRtmpOrigin start() {
        return builder().start();
    }

    /** @return the RTMP port on 127.0.0.1 */
    public int rtmpPort() {
        return rtmpPort;
    }

    /** @return the HTTP port serving HLS on 127.0.0.1, or -1 without HLS */
    public int httpPort() {
        return httpPort;
    }

    /** @return the application name ({@code live} by default) */
    public String application() {
        return options.application;
    }

    /**
     * @param stream a stream name, with a query if wanted ({@code livestream?token=abc})
     * @return {@code rtmp://127.0.0.1:<port>/<application>/<stream>}
     */
    public String rtmpUrl(String stream) {
        return "rtmp://127.0.0.1:" + rtmpPort + "/" + options.application + "/" + stream;
    }

    /**
     * @param stream a stream name
     * @return the HLS playlist URL {@code http://127.0.0.1:<httpPort>/<application>/<stream>.m3u8}
     * @throws IllegalStateException when HLS is off
     */
    public URI hlsUrl(String stream) {
        if (httpPort < 0) {
            throw new IllegalStateException("HLS is off for this origin");
        }
        return URI.create("http://127.0.0.1:" + httpPort + "/" + options.application + "/" + stream + ".m3u8");
    }

    /** @return the temporary directory holding the configuration, logs, pid file and HLS files */
    public Path directory() {
        return directory;
    }

    /** @return where {@code record all} writes {@code <stream>.flv}, or {@code null} when not recording */
    public Path recordDirectory() {
        return recordDirectory;
    }

    /**
     * @param stream a stream name
     * @return the recording of that stream ({@code <recordDirectory>/<stream>.flv})
     */
    public Path recording(String stream) {
        if (recordDirectory == null) {
            throw new IllegalStateException("recording is off for this origin");
        }
        return recordDirectory.resolve(stream + ".flv");
    }

    /** @return the directory nginx-rtmp writes HLS playlists and segments into */
    public Path hlsDirectory() {
        return hlsDirectory;
    }

    /** @return nginx's error log file */
    public Path errorLog() {
        return directory.resolve("error.log");
    }

    /** @return the generated nginx.conf */
    public Path configFile() {
        return directory.resolve("nginx.conf");
    }

    /** @return the nginx process (its stderr carries the error log too) */
    public ExternalProcess process() {
        return process;
    }

    /**
     * Waits until nginx-rtmp logs that a client publishes {@code stream} (the first such line since
     * nginx started: a stream published twice in one test finds its first publisher).
     *
     * @param stream the stream name without query
     * @param deadline how long to wait at most
     * @return nginx's connection number of the publisher (the {@code *N} of its log lines)
     * @throws AssertionError with nginx's log when no such line comes in time
     */
    public int awaitPublishing(String stream, Duration deadline) {
        String line = process.waitForLine(Pattern.compile("\\*\\d+ publish: name='" + Pattern.quote(stream) + "'"), deadline);
        Matcher m = CONNECTION.matcher(line);
        if (!m.find()) {
            throw new AssertionError("no connection number in " + line);
        }
        return Integer.parseInt(m.group(1));
    }

    /**
     * Waits until the publisher of {@code stream} has disconnected: nginx has then closed the
     * stream's recording and HLS playlist.
     *
     * @param stream the stream name without query
     * @param deadline how long to wait at most (for both the publish and the disconnect)
     * @throws AssertionError with nginx's log when it does not happen in time
     */
    public void awaitPublishEnded(String stream, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        int connection = awaitPublishing(stream, deadline);
        process.waitForLine(Pattern.compile("\\*" + connection + " disconnect"),
                Duration.ofNanos(Math.max(0, end - System.nanoTime())));
    }

    /** @return the error log's content so far (empty when unreadable) */
    public String log() {
        try {
            return Files.readString(errorLog(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops nginx (SIGTERM, then kill) and deletes the temporary directory. Idempotent. */
    @Override
    public void close() {
        process.close();
        deleteRecursively(directory);
    }

    @Override
    public String toString() {
        return "nginx-rtmp[rtmp 127.0.0.1:" + rtmpPort + (httpPort > 0 ? ", http 127.0.0.1:" + httpPort : "") + ", "
                + directory + "]";
    }

    static String config(Builder o, Path dir, Path recordDir, int rtmpPort, int httpPort, boolean root) {
        String d = dir.toAbsolutePath().toString();
        StringBuilder c = new StringBuilder();
        c.append("load_module ").append(o.modulePath).append(";\n");
        c.append("daemon off;\n");
        c.append("master_process ").append(o.masterProcess ? "on" : "off").append(";\n");
        if (root) {
            c.append("user root;\n");
        }
        c.append("worker_processes 1;\n");
        c.append("error_log ").append(d).append("/error.log info;\n");
        c.append("error_log stderr info;\n");
        c.append("pid ").append(d).append("/nginx.pid;\n");
        c.append("events { worker_connections 1024; }\n");
        c.append("rtmp {\n  server {\n");
        c.append("    listen 127.0.0.1:").append(rtmpPort).append(";\n");
        c.append("    chunk_size ").append(o.chunkSize).append(";\n");
        c.append("    application ").append(o.application).append(" {\n");
        c.append("      live on;\n");
        if (recordDir != null) {
            c.append("      record all;\n");
            c.append("      record_path ").append(recordDir.toAbsolutePath()).append(";\n");
            c.append("      record_unique off;\n");
        }
        if (o.onPublish != null) {
            c.append("      on_publish ").append(o.onPublish).append(";\n");
        }
        if (o.onPlay != null) {
            c.append("      on_play ").append(o.onPlay).append(";\n");
        }
        if (o.hls) {
            c.append("      hls on;\n");
            c.append("      hls_path ").append(d).append("/hls;\n");
            c.append("      hls_fragment 1s;\n");
            c.append("      hls_playlist_length ").append(o.hlsPlaylistSeconds).append("s;\n");
        }
        for (String line : o.extraApplicationDirectives) {
            c.append("      ").append(line).append("\n");
        }
        c.append("    }\n  }\n}\n");
        if (o.hls) {
            c.append("http {\n");
            c.append("  access_log ").append(d).append("/access.log;\n");
            for (String temp : new String[] {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
                c.append("  ").append(temp).append("_temp_path ").append(d).append("/tmp-").append(temp).append(";\n");
            }
            c.append("  types {\n    application/vnd.apple.mpegurl m3u8;\n    video/mp2t ts;\n  }\n");
            c.append("  server {\n");
            c.append("    listen 127.0.0.1:").append(httpPort).append(";\n");
            c.append("    location /").append(o.application).append("/ {\n");
            c.append("      alias ").append(d).append("/hls/;\n");
            c.append("      add_header Cache-Control no-cache;\n");
            c.append("      add_header Access-Control-Allow-Origin *;\n");
            c.append("    }\n  }\n}\n");
        }
        return c.toString();
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(FreePorts.loopback(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing a test for
        }
    }

    /** Options of a {@link NginxRtmpOrigin}. */
    public static final class Builder {
        private String application = "live";
        private boolean masterProcess;
        private boolean record;
        private Path recordDirectory;
        private String onPublish;
        private String onPlay;
        private boolean hls;
        private int hlsPlaylistSeconds = 6;
        private int chunkSize = 4096;
        private String modulePath = RTMP_MODULE;
        private Duration readyTimeout = Duration.ofSeconds(10);
        private final List<String> extraApplicationDirectives = new ArrayList<>();

        private Builder() {
        }

        /**
         * @param name the RTMP application (and HLS path prefix); default {@code live}
         * @return this builder
         */
        public Builder application(String name) {
            if (!name.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("application name must be [A-Za-z0-9_-]+: " + name);
            }
            this.application = name;
            return this;
        }

        /**
         * @param on {@code true} for a master and one worker process, {@code false} (default) for one process
         * @return this builder
         */
        public Builder masterProcess(boolean on) {
            this.masterProcess = on;
            return this;
        }

        /**
         * @param on {@code record all} into a directory inside the origin's temporary directory
         * @return this builder
         */
        public Builder recordAll(boolean on) {
            this.record = on;
            return this;
        }

        /**
         * @param dir {@code record all} into this directory (kept after {@link NginxRtmpOrigin#close()})
         * @return this builder
         */
        public Builder recordAll(Path dir) {
            this.record = true;
            this.recordDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * @param url {@code on_publish} callback (nginx-rtmp POSTs the stream's name, app, args; a
         *     non-2xx answer refuses the publish), e.g. {@code http://127.0.0.1:PORT/on_publish}
         * @return this builder
         */
        public Builder onPublish(String url) {
            this.onPublish = checkUrl(url);
            return this;
        }

        /**
         * @param url {@code on_play} callback, as {@link #onPublish(String)}
         * @return this builder
         */
        public Builder onPlay(String url) {
            this.onPlay = checkUrl(url);
            return this;
        }

        /**
         * @param on {@code hls on} with 1 s fragments, served over HTTP on another free port
         * @return this builder
         */
        public Builder hls(boolean on) {
            this.hls = on;
            return this;
        }

        /**
         * @param seconds {@code hls_playlist_length} (default 6)
         * @return this builder
         */
        public Builder hlsPlaylistSeconds(int seconds) {
            this.hlsPlaylistSeconds = seconds;
            return this;
        }

        /**
         * @param size the origin's outgoing {@code chunk_size} (default 4096, as nginx-rtmp's)
         * @return this builder
         */
        public Builder chunkSize(int size) {
            this.chunkSize = size;
            return this;
        }

        /**
         * @param directive one more directive inside the application block, e.g. {@code "idle_streams off;"}
         * @return this builder
         */
        public Builder applicationDirective(String directive) {
            this.extraApplicationDirectives.add(directive);
            return this;
        }

        /**
         * @param path the rtmp module to load (default {@value #RTMP_MODULE})
         * @return this builder
         */
        public Builder modulePath(String path) {
            this.modulePath = path;
            return this;
        }

        /**
         * @param timeout how long {@link #start()} waits for the ports (default 10 s)
         * @return this builder
         */
        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        /**
         * Writes the configuration, starts nginx and waits until its ports accept connections.
         *
         * @return the running origin
         * @throws AssertionError with nginx's log when it does not come up in time, or when nginx
         *     or the rtmp module is missing (naming the Debian packages)
         */
        public NginxRtmpOrigin start() {
            Path nginx = Tools.require("nginx");
            if (!Files.isRegularFile(Path.of(modulePath))) {
                throw new AssertionError("the nginx rtmp module " + modulePath
                        + " is missing; install it with: apt-get install -y libnginx-mod-rtmp");
            }
            boolean root = "root".equals(System.getProperty("user.name"));
            String lastLog = "";
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                Path dir;
                try {
                    dir = Files.createTempDirectory("nginx-rtmp-");
                    Files.createDirectories(dir.resolve("hls"));
                    Path rec = record ? (recordDirectory != null ? recordDirectory : dir.resolve("record")) : null;
                    if (rec != null) {
                        Files.createDirectories(rec);
                    }
                    int rtmp = FreePorts.tcp();
                    int http = hls ? FreePorts.tcp() : -1;
                    Files.writeString(dir.resolve("nginx.conf"), config(this, dir, rec, rtmp, http, root));
                    ExternalProcess p = ExternalProcess.builder("nginx-rtmp", List.of(nginx.toString(),
                            "-p", dir.toString(), "-e", dir.resolve("error.log").toString(),
                            "-c", dir.resolve("nginx.conf").toString())).start();
                    long deadline = System.nanoTime() + readyTimeout.toNanos();
                    while (p.isAlive() && System.nanoTime() < deadline) {
                        if (accepts(rtmp) && (http < 0 || accepts(http))) {
                            return new NginxRtmpOrigin(this, dir, rec, rtmp, http, p);
                        }
                        Thread.sleep(20);
                    }
                    boolean died = !p.isAlive();
                    p.close();
                    lastLog = "$ cat " + dir.resolve("nginx.conf") + "\n" + Files.readString(dir.resolve("nginx.conf"))
                            + "----- nginx output -----\n" + p.log();
                    deleteRecursively(dir);
                    if (!died || !p.log().contains("Address already in use")) {
                        break; // not a port race: retrying will not help
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while starting nginx", e);
                }
            }
            throw new AssertionError("nginx-rtmp did not accept connections within " + readyTimeout + "\n" + lastLog);
        }

        private static String checkUrl(String url) {
            URI uri = URI.create(url);
            if (!"http".equals(uri.getScheme())) {
                throw new IllegalArgumentException("nginx-rtmp callbacks are http URLs: " + url);
            }
            return url;
        }
    }
}
