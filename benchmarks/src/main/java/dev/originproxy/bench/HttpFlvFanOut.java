package dev.originproxy.bench;

import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.http.HttpFront;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Throughput harness (not JMH): N HTTP-FLV viewers of one paced stream, read straight from the
 * origin and then through the proxy ({@link HttpFront}), side by side. The origin and the proxy
 * each run in their own JVM so their CPU time and RSS are read from {@code /proc/<pid>}; the
 * viewers are one selector thread in this JVM.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.originproxy.bench.HttpFlvFanOut [viewers] [mbit/s] [seconds]
 * </pre>
 *
 * The stream is a real FLV made by ffmpeg (H.264 + AAC), its tags repeated endlessly and paced at
 * the given bit rate per viewer by the origin (one thread per viewer, as a simple origin would).
 */
public final class HttpFlvFanOut {
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    private HttpFlvFanOut() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("origin")) {
            origin(Path.of(args[1]), Long.parseLong(args[2]));
            return;
        }
        if (args.length > 0 && args[0].equals("proxy")) {
            proxy(Integer.parseInt(args[1]));
            return;
        }
        int viewers = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        double mbps = args.length > 1 ? Double.parseDouble(args[1]) : 4.0;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        long bitsPerSecond = (long) (mbps * 1_000_000);
        Path dir = Files.createTempDirectory("flv-fanout");
        Path flv = dir.resolve("stream.flv");
        run(List.of("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                "-t", "10", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-b:v", "3800k",
                "-c:a", "aac", "-b:a", "128k", "-f", "flv", flv.toString()));

        System.out.printf("%s, JDK %s, %d cores, %d viewers x %.1f Mbit/s, %d s per mode%n", Instant.now(),
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), viewers, mbps, seconds);
        Process origin = child("origin", flv.toString(), Long.toString(bitsPerSecond));
        int originPort = Integer.parseInt(firstLine(origin));
        Process proxy = child("proxy", Integer.toString(originPort));
        int proxyPort = Integer.parseInt(firstLine(proxy));
        try {
            System.out.println("| path | viewers | received Mbit/s (all viewers) | per viewer Mbit/s (min) | origin CPU % | proxy CPU % | proxy RSS MiB |");
            System.out.println("|---|---|---|---|---|---|---|");
            measure("straight to origin", originPort, viewers, seconds, origin, proxy);
            measure("through the proxy", proxyPort, viewers, seconds, origin, proxy);
        } finally {
            proxy.destroy();
            origin.destroy();
        }
    }

    private static void measure(String label, int port, int viewers, int seconds, Process origin, Process proxy)
            throws Exception {
        try (Readers r = new Readers(port, viewers)) {
            Thread.sleep(3000); // let every viewer's stream start
            long[] before = r.snapshot();
            long o0 = cpuTicks(origin.pid());
            long p0 = cpuTicks(proxy.pid());
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long o1 = cpuTicks(origin.pid());
            long p1 = cpuTicks(proxy.pid());
            long[] after = r.snapshot();
            long total = 0;
            long min = Long.MAX_VALUE;
            for (int i = 0; i < after.length; i++) {
                long d = after[i] - before[i];
                total += d;
                min = Math.min(min, d);
            }
            System.out.printf("| %s | %d | %.1f | %.2f | %.1f | %.1f | %d |%n", label, viewers,
                    total * 8 / elapsed / 1e6, min * 8 / elapsed / 1e6,
                    (o1 - o0) * 100.0 / TICKS_PER_SECOND / elapsed, (p1 - p0) * 100.0 / TICKS_PER_SECOND / elapsed,
                    rssKib(proxy.pid()) / 1024);
        }
    }

    private static Process child(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), HttpFlvFanOut.class.getName()));
        cmd.addAll(Arrays.asList(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String firstLine(Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        String line = r.readLine();
        if (line == null) {
            throw new IOException("child ended before printing its port");
        }
        return line.trim();
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("failed: " + cmd);
        }
    }

    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    }

    static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    // ---- the proxy child --------------------------------------------------------------------

    private static void proxy(int originPort) throws Exception {
        MemoryLoadBalancer balancer = new MemoryLoadBalancer();
        balancer.registry().register(new OriginServer("origin", "origin", "127.0.0.1",
                Map.of(OriginProtocol.HTTP, List.of(new OriginEndpoint(OriginEndpoint.Transport.TCP, null, originPort))),
                Instant.now()));
        HttpFront front = HttpFront.builder().bind(new InetSocketAddress("127.0.0.1", 0)).workers(2)
                .balancer(balancer).lifecycle(new SessionLifecycle()).build().start();
        System.out.println(front.localAddress().getPort());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    // ---- the origin child -------------------------------------------------------------------

    private static void origin(Path flv, long bitsPerSecond) throws Exception {
        byte[] file = Files.readAllBytes(flv);
        byte[] header = Arrays.copyOf(file, 13);
        byte[] tags = Arrays.copyOfRange(file, 13, file.length);
        long bytesPerSecond = bitsPerSecond / 8;
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
        System.out.println(server.getLocalPort());
        System.out.flush();
        while (true) {
            Socket s = server.accept();
            Thread t = new Thread(() -> serve(s, header, tags, bytesPerSecond));
            t.setDaemon(true);
            t.start();
        }
    }

    private static void serve(Socket s, byte[] header, byte[] tags, long bytesPerSecond) {
        try (s) {
            InputStream in = s.getInputStream();
            int state = 0;
            while (state < 4) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            }
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(header);
            long start = System.nanoTime();
            long sent = 0;
            int at = 0;
            while (true) {
                int n = Math.min(16 * 1024, tags.length - at);
                out.write(tags, at, n);
                sent += n;
                at = (at + n) % tags.length;
                long wait = start + sent * 1_000_000_000L / bytesPerSecond - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        } catch (IOException | InterruptedException ignored) {
            // viewer gone
        }
    }

    // ---- the viewers ------------------------------------------------------------------------

    /** N viewers on one selector thread, counting bytes. */
    private static final class Readers implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final List<SocketChannel> channels = new ArrayList<>();
        private final long[] bytes;
        private final Thread thread;
        private volatile boolean running = true;

        Readers(int port, int count) throws IOException {
            bytes = new long[count];
            byte[] get = "GET /live/livestream.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < count; i++) {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                ch.write(ByteBuffer.wrap(get));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, i);
                channels.add(ch);
            }
            thread = new Thread(this::loop, "viewers");
            thread.start();
        }

        private void loop() {
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
            try {
                while (running) {
                    selector.select(100);
                    for (SelectionKey k : selector.selectedKeys()) {
                        buf.clear();
                        int n = ((SocketChannel) k.channel()).read(buf);
                        if (n < 0) {
                            k.cancel();
                        } else {
                            synchronized (bytes) {
                                bytes[(Integer) k.attachment()] += n;
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        long[] snapshot() {
            synchronized (bytes) {
                return bytes.clone();
            }
        }

        @Override
        public void close() throws Exception {
            running = false;
            thread.join();
            for (SocketChannel ch : channels) {
                ch.close();
            }
            selector.close();
        }
    }
}
