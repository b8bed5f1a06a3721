package dev.originproxy.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test origin on loopback, one thread per connection (test code only): records each request
 * head it receives and answers through a script.
 */
final class ScriptedOrigin implements AutoCloseable {
    /** Answers one request: writes to {@code out} (which may block, pace or never end). */
    interface Script {
        void answer(String requestHead, OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Script script;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger open = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    ScriptedOrigin(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 512);
        acceptor = new Thread(this::acceptLoop, "scripted-origin");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "scripted-origin-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        open.incrementAndGet();
        try (s) {
            String head = readHead(s.getInputStream());
            if (head == null) {
                return;
            }
            requests.add(head);
            OutputStream out = s.getOutputStream();
            script.answer(head, out);
            out.flush();
        } catch (IOException | InterruptedException ignored) {
            // the proxy went away: normal for streams
        } finally {
            open.decrementAndGet();
        }
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            buf.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
