package dev.originproxy.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fan-out origin of the many-viewer tests (test code; one thread per viewer): serves a real
 * FLV file made by ffmpeg as an endless live HTTP-FLV stream, the FLV header once and then the
 * file's tags again and again, paced at a fixed bit rate. ffmpeg's own {@code -listen 1} serves
 * a single client, so it cannot be the origin of 200 viewers.
 */
final class FlvFileOrigin implements AutoCloseable {
    private static final int FLV_HEADER_AND_FIRST_TAG_SIZE = 13;
    private static final int CHUNK = 8 * 1024;

    private final byte[] header;
    private final byte[] tags;
    private final long bytesPerSecond;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final AtomicInteger viewers = new AtomicInteger();

    FlvFileOrigin(Path flv, long bitsPerSecond) throws IOException {
        byte[] file = Files.readAllBytes(flv);
        if (file.length < FLV_HEADER_AND_FIRST_TAG_SIZE || file[0] != 'F' || file[1] != 'L' || file[2] != 'V') {
            throw new IOException(flv + " is not an FLV file");
        }
        this.header = Arrays.copyOf(file, FLV_HEADER_AND_FIRST_TAG_SIZE);
        this.tags = Arrays.copyOfRange(file, FLV_HEADER_AND_FIRST_TAG_SIZE, file.length);
        this.bytesPerSecond = bitsPerSecond / 8;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
        Thread t = new Thread(this::accept, "flv-file-origin");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "flv-file-origin-viewer");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        viewers.incrementAndGet();
        try (s) {
            if (ScriptedOrigin.readHead(s.getInputStream()) == null) {
                return;
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(header);
            long start = System.nanoTime();
            long sent = 0;
            int at = 0;
            while (!s.isClosed()) {
                int n = Math.min(CHUNK, tags.length - at);
                out.write(tags, at, n);
                sent += n;
                at = (at + n) % tags.length;
                long due = start + sent * 1_000_000_000L / bytesPerSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        } catch (IOException | InterruptedException ignored) {
            // the viewer (the proxy) went away
        } finally {
            viewers.decrementAndGet();
            sockets.remove(s);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
