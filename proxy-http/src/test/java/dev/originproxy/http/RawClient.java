package dev.originproxy.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** A raw HTTP/1.1 client socket for tests: sends bytes as given, reads one response. */
final class RawClient implements AutoCloseable {
    final Socket socket;

    RawClient(InetSocketAddress proxy) throws IOException {
        socket = new Socket();
        socket.connect(proxy, 2000);
        socket.setSoTimeout(10_000);
    }

    RawClient send(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return this;
    }

    /** A response: head text, status, and the body read by Content-Length or to the close. */
    record Response(String head, int status, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    Response read() throws IOException {
        return read(false);
    }

    Response read(boolean headRequest) throws IOException {
        InputStream in = socket.getInputStream();
        String head = ScriptedOrigin.readHead(in);
        if (head == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(head.substring(9, 12));
        Response r = new Response(head, status, new byte[0]);
        String length = r.header("Content-Length");
        if (headRequest) {
            return r;
        }
        if (length != null) {
            byte[] body = in.readNBytes(Integer.parseInt(length));
            return new Response(head, status, body);
        }
        if (head.toLowerCase(Locale.ROOT).contains("connection: close")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return new Response(head, status, out.toByteArray());
        }
        return r;
    }

    /** Whether the proxy closed the connection (EOF within the socket timeout). */
    boolean closedByPeer() throws IOException {
        try {
            return socket.getInputStream().read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
