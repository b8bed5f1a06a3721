package dev.originproxy.http.internal.hls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback HTTP origin for unit tests of one class: answers every connection with the next
 * scripted raw response and records the request heads it read. Real sockets, canned bytes.
 */
final class ScriptedOrigin implements AutoCloseable {
    private final ServerSocket server;
    private final Thread thread;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile byte[] response = new byte[0];
    private volatile long dripMillis;

    ScriptedOrigin() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "scripted-origin");
        thread.setDaemon(true);
        thread.start();
    }

    /** Answers every request from now on with these bytes (then closes). */
    ScriptedOrigin answer(String raw) {
        response = raw.getBytes(StandardCharsets.ISO_8859_1);
        return this;
    }

    /** A 200 with Content-Length, an ETag and the playlist. */
    /** Sends each later response one byte every {@code millis} (a slow origin). */
    ScriptedOrigin drip(long millis) {
        dripMillis = millis;
        return this;
    }

    ScriptedOrigin playlist(String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return answer("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.apple.mpegurl\r\nContent-Length: " + b.length
                + "\r\nETag: \"abc\"\r\nContent-MD5: xyz\r\nCache-Control: no-cache\r\nServer: origin-10.9.9.9\r\n\r\n" + body);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    List<String> requests() {
        return requests;
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int c;
                int state = 0;
                while (state < 4 && (c = in.read()) >= 0) {
                    head.write(c);
                    state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                            : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
                }
                requests.add(head.toString(StandardCharsets.ISO_8859_1));
                OutputStream out = s.getOutputStream();
                if (dripMillis > 0) {
                    for (byte b : response) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(dripMillis);
                    }
                } else {
                    out.write(response);
                }
                out.flush();
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
