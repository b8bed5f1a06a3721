package dev.originproxy.bench.rtmp;

import dev.originproxy.rtmp.Amf0Reader;
import dev.originproxy.rtmp.ChunkStreamDecoder;
import dev.originproxy.rtmp.ChunkStreamEncoder;
import dev.originproxy.rtmp.HandshakeForm;
import dev.originproxy.rtmp.RtmpCommand;
import dev.originproxy.rtmp.RtmpCommandWriter;
import dev.originproxy.rtmp.RtmpHandshake;
import dev.originproxy.rtmp.RtmpHandshakeWriter;
import dev.originproxy.rtmp.RtmpMessage;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Load client for the RTMP relay figure: N players on one thread (one selector), each doing the
 * client side of RTMP with the proxy-rtmp codec (simple handshake, {@code connect},
 * {@code createStream}, {@code play}, Set Buffer Length, acknowledgements as the server's window
 * asks) and then reading, decoding and discarding media. Prints the media bit rate received per
 * second, then one {@code RESULT} line over the measured window, with the CPU % and peak RSS of
 * the processes named with {@code --watch name=pid} and of this client itself ({@code players_*};
 * read from {@code /proc}).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.originproxy.bench.rtmp.RtmpPlayers \
 *     --url rtmp://127.0.0.1:1935/live/stream --players 100 --warmup 5 --seconds 20 --watch proxy=1234
 * </pre>
 *
 * <p>Not a JMH benchmark: it measures other processes (the relay, nginx-rtmp) under a real load.
 */
public final class RtmpPlayers {
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    private final String host;
    private final int port;
    private final String app;
    private final String stream;
    private final List<Player> players = new ArrayList<>();
    private final RtmpHandshakeWriter handshakes = new RtmpHandshakeWriter();
    private final RtmpHandshake handshake = new RtmpHandshake();
    private final RtmpCommand command = new RtmpCommand();
    private final RtmpCommandWriter commands = new RtmpCommandWriter();

    private RtmpPlayers(String url) {
        // rtmp://host:port/app/stream
        String rest = url.substring("rtmp://".length());
        String authority = rest.substring(0, rest.indexOf('/'));
        String path = rest.substring(rest.indexOf('/') + 1);
        int colon = authority.lastIndexOf(':');
        this.host = colon < 0 ? authority : authority.substring(0, colon);
        this.port = colon < 0 ? 1935 : Integer.parseInt(authority.substring(colon + 1));
        this.app = path.substring(0, path.indexOf('/'));
        this.stream = path.substring(path.indexOf('/') + 1);
    }

    /** One player connection. */
    private final class Player {
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
        final ByteBuffer out = ByteBuffer.allocate(16 * 1024);
        final ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        final ChunkStreamEncoder encoder = new ChunkStreamEncoder();
        boolean handshakeDone;
        boolean playing;
        long mediaBytes;
        long windowStartBytes;
        String error;

        Player(SocketChannel channel) {
            this.channel = channel;
        }

        boolean onMessage(RtmpMessage m) {
            if (m.isMedia()) {
                mediaBytes += m.length();
                return true;
            }
            if (m.typeId() == RtmpMessage.TYPE_USER_CONTROL
                    && dev.originproxy.rtmp.RtmpControl.userControlEvent(m) == dev.originproxy.rtmp.RtmpControl.EVENT_PING_REQUEST) {
                int at = out.position();
                int n = encoder.writeUserControl(dev.originproxy.rtmp.RtmpControl.EVENT_PING_RESPONSE,
                        (int) dev.originproxy.rtmp.RtmpControl.userControlValue(m), out, at, out.capacity() - at);
                out.position(at + Math.max(n, 0));
                return true;
            }
            if (!m.isCommand() || !command.wrap(m)) {
                return true;
            }
            if (command.nameEquals("_result") && command.transactionId() == 1) {
                commands.begin("createStream", 2).writeNull();
                send(RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0);
            } else if (command.nameEquals("_result") && command.transactionId() == 2) {
                Amf0Reader args = command.arguments();
                int streamId = (int) args.readNumber();
                int at = out.position();
                out.position(at + encoder.writeSetBufferLength(streamId, 3000, out, at, out.capacity() - at));
                commands.begin("play", 3).writeNull().writeString(stream).writeNumber(-2000);
                send(8, streamId);
            } else if (command.nameEquals("onStatus")) {
                Amf0Reader args = command.arguments();
                Object info = args.readValue();
                String code = info instanceof Map<?, ?> map ? String.valueOf(map.get("code")) : String.valueOf(info);
                if (code.equals("NetStream.Play.Start")) {
                    playing = true;
                } else if (code.contains("Failed") || code.contains("BadName") || code.contains("Rejected")) {
                    error = code;
                }
            } else if (command.nameEquals("_error")) {
                error = "_error " + command.arguments().readRemainingValues();
            }
            return true;
        }

        void send(int csid, int streamId) {
            int at = out.position();
            int n = commands.finish(encoder, csid, streamId, out, at, out.capacity() - at);
            if (n < 0) {
                throw new IllegalStateException("command does not fit");
            }
            out.position(at + n);
        }

        void flush() throws IOException {
            out.flip();
            while (out.hasRemaining()) {
                if (channel.write(out) == 0) {
                    break; // tiny control traffic: the socket buffer takes it next time
                }
            }
            out.compact();
        }

        void read() throws IOException {
            int n = channel.read(in);
            if (n < 0) {
                error = error == null ? "closed by server" : error;
                channel.close();
                return;
            }
            if (!handshakeDone) {
                if (in.position() < RtmpHandshake.S0_S1_S2_LENGTH) {
                    return;
                }
                if (!handshake.wrapWithVersionByte(in, 0, RtmpHandshake.S0_S1_S2_LENGTH)) {
                    throw new IOException("bad S0/S1: " + handshake.failure());
                }
                int at = out.position();
                out.position(at + handshakes.writeClientAck(handshake, out, at, out.capacity() - at));
                commands.begin("connect", 1).writeObjectStart()
                        .writeKey("app").writeString(app)
                        .writeKey("flashVer").writeString("LNX 9,0,124,2")
                        .writeKey("tcUrl").writeString("rtmp://" + host + ":" + port + "/" + app)
                        .writeKey("fpad").writeBoolean(false)
                        .writeKey("capabilities").writeNumber(15)
                        .writeKey("audioCodecs").writeNumber(4071)
                        .writeKey("videoCodecs").writeNumber(252)
                        .writeKey("videoFunction").writeNumber(1)
                        .writeObjectEnd();
                send(RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0);
                handshakeDone = true;
                in.limit(in.position()).position(RtmpHandshake.S0_S1_S2_LENGTH);
                in.compact();
            }
            int used = decoder.decode(in, 0, in.position(), this::onMessage);
            if (used < 0) {
                throw new IOException("chunk stream failed: " + decoder.failure());
            }
            in.limit(in.position()).position(used);
            in.compact();
            if (decoder.acknowledgementDue()) {
                int at = out.position();
                out.position(at + encoder.writeAcknowledgement(decoder.acknowledge(), out, at, out.capacity() - at));
            }
            flush();
        }
    }

    private void run(int count, int warmupSeconds, int seconds, Map<String, Long> watch) throws IOException, InterruptedException {
        Selector selector = Selector.open();
        for (int i = 0; i < count; i++) {
            SocketChannel ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress(host, port));
            ch.configureBlocking(false);
            Player p = new Player(ch);
            int n = handshakes.writeClientHello(HandshakeForm.SIMPLE, 0, p.out, 0, p.out.capacity());
            p.out.position(n);
            p.flush();
            ch.register(selector, SelectionKey.OP_READ, p);
            players.add(p);
        }
        long start = System.nanoTime();
        long warmupEnd = start + warmupSeconds * 1_000_000_000L;
        long end = warmupEnd + seconds * 1_000_000_000L;
        long nextReport = start + 1_000_000_000L;
        long lastTotal = 0;
        boolean measuring = false;
        Map<String, long[]> cpuAtStart = new LinkedHashMap<>();
        Map<String, Long> peakRss = new LinkedHashMap<>();
        while (System.nanoTime() < end) {
            selector.select(100);
            for (SelectionKey key : selector.selectedKeys()) {
                Player p = (Player) key.attachment();
                try {
                    p.read();
                } catch (IOException e) {
                    p.error = e.getMessage();
                    key.cancel();
                    p.channel.close();
                }
            }
            selector.selectedKeys().clear();
            long now = System.nanoTime();
            if (!measuring && now >= warmupEnd) {
                measuring = true;
                for (Player p : players) {
                    p.windowStartBytes = p.mediaBytes;
                }
                watch.forEach((name, pid) -> cpuAtStart.put(name, new long[] {cpuTicks(pid), System.nanoTime()}));
            }
            if (now >= nextReport) {
                long total = players.stream().mapToLong(p -> p.mediaBytes).sum();
                long playing = players.stream().filter(p -> p.playing && p.channel.isOpen()).count();
                StringBuilder line = new StringBuilder(String.format("t=%ds playing=%d media=%.1f Mbit/s",
                        (now - start) / 1_000_000_000L, playing, (total - lastTotal) * 8 / 1e6));
                for (Map.Entry<String, Long> w : watch.entrySet()) {
                    long rss = rssKb(w.getValue());
                    if (measuring) {
                        peakRss.merge(w.getKey(), rss, Math::max);
                    }
                    line.append(' ').append(w.getKey()).append("_rss=").append(rss / 1024).append("MiB");
                }
                System.out.println(line);
                lastTotal = total;
                nextReport += 1_000_000_000L;
            }
        }
        double windowSeconds = seconds;
        long windowBytes = players.stream().mapToLong(p -> p.mediaBytes - p.windowStartBytes).sum();
        double minMbps = players.stream().mapToDouble(p -> (p.mediaBytes - p.windowStartBytes) * 8 / 1e6 / windowSeconds).min().orElse(0);
        long playing = players.stream().filter(p -> p.playing && p.channel.isOpen()).count();
        StringBuilder result = new StringBuilder(String.format(
                "RESULT players=%d playing=%d window_s=%d media_mbps_total=%.1f media_mbps_per_player_avg=%.2f media_mbps_per_player_min=%.2f",
                count, playing, seconds, windowBytes * 8 / 1e6 / windowSeconds,
                windowBytes * 8 / 1e6 / windowSeconds / count, minMbps));
        for (Map.Entry<String, Long> w : watch.entrySet()) {
            long[] s = cpuAtStart.get(w.getKey());
            double cpu = s == null ? Double.NaN
                    : (cpuTicks(w.getValue()) - s[0]) * 100.0 / CLOCK_TICKS / ((System.nanoTime() - s[1]) / 1e9);
            result.append(String.format(" %s_cpu_pct=%.1f %s_rss_peak_mib=%d", w.getKey(), cpu, w.getKey(),
                    peakRss.getOrDefault(w.getKey(), rssKb(w.getValue())) / 1024));
        }
        System.out.println(result);
        players.stream().filter(p -> p.error != null).limit(5).forEach(p -> System.out.println("player error: " + p.error));
        for (Player p : players) {
            p.channel.close();
        }
        selector.close();
    }

    /** utime + stime of a process and all its threads, in clock ticks. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Resident set size of a process in KiB. */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // process gone
        }
        return 0;
    }

    /**
     * Entry point.
     *
     * @param args {@code --url rtmp://h:p/app/stream --players N --warmup S --seconds S [--watch name=pid]...}
     */
    public static void main(String[] args) throws Exception {
        String url = null;
        int count = 100;
        int warmup = 5;
        int seconds = 20;
        Map<String, Long> watch = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--players" -> count = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--watch" -> {
                    String[] kv = args[++i].split("=", 2);
                    watch.put(kv[0], Long.parseLong(kv[1]));
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("--url rtmp://host:port/app/stream is required");
        }
        // The load client's own cost, to tell a client-bound run from a server-bound one.
        watch.put("players", ProcessHandle.current().pid());
        new RtmpPlayers(url).run(count, warmup, seconds, watch);
    }
}
