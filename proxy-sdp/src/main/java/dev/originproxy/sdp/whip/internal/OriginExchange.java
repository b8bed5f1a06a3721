package dev.originproxy.sdp.whip.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Flow;

import javax.net.ssl.SSLSession;

/**
 * One HTTP/1.1 exchange (RFC 9112) with an origin's API on the calling thread: connect, write the
 * request with {@code Connection: close}, read the response (interim 1xx skipped; body by
 * {@code Content-Length}, chunked, or up to the close) and close.
 *
 * <p>Why not the JDK {@link HttpClient}: origins answer an offer and close the connection, so
 * the client's pooling never helps, and each exchange cost about 36 KB of garbage spread over its
 * selector and worker threads (16 KB of it a read buffer) plus four threads: at a thousand WHIP
 * sessions that is tens of MB of heap touched. A blocking exchange on the handler thread, which
 * waits for the answer anyway, costs a socket and the bytes of the answer.
 *
 * <p>Bounded: the response head at 16 KiB, the body at
 * 1 MiB, the whole exchange by the request's timeout. Only {@code http}.
 * Stateless and thread-safe.
 */
public final class OriginExchange {
    static final int MAX_HEAD_BYTES = 16 * 1024;
    static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final int READ_CHUNK = 4096;

    private final Duration connectTimeout;

    /** @param connectTimeout how long a connect may take (then {@link HttpTimeoutException}) */
    public OriginExchange(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /**
     * Sends {@code request} and reads the whole answer.
     *
     * @throws java.net.ConnectException when nothing listens (the origin is gone)
     * @throws HttpTimeoutException when connect or answer take longer than allowed
     * @throws IOException for any other failure, including an answer over the bounds
     * @throws InterruptedException when the calling thread is interrupted while the origin does not read
     */
    public HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        URI uri = request.uri();
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IOException("only http://host URIs are supported: " + uri.getScheme());
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        long timeoutNanos = request.timeout().orElse(Duration.ofSeconds(30)).toNanos();
        long deadline = System.nanoTime() + timeoutNanos;
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try (SocketChannel channel = SocketChannel.open()) {
            try {
                channel.socket().connect(new InetSocketAddress(host, port),
                        (int) Math.max(1, connectTimeout.toMillis()));
            } catch (SocketTimeoutException e) {
                throw new HttpTimeoutException("connect timed out");
            }
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            // written without blocking, so an origin that does not read cannot hold this thread
            // past the deadline; read blocking, each read timed to what is left of it
            channel.configureBlocking(false);
            write(channel, ByteBuffer.wrap(head(request, uri)), deadline);
            write(channel, ByteBuffer.wrap(body(request)), deadline);
            channel.configureBlocking(true);
            return read(channel.socket(), request, deadline);
        } catch (SocketTimeoutException e) {
            throw new HttpTimeoutException("origin did not answer in time");
        }
    }

    private static void write(SocketChannel channel, ByteBuffer bytes, long deadline)
            throws IOException, InterruptedException {
        while (bytes.hasRemaining()) {
            if (channel.write(bytes) == 0) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new HttpTimeoutException("origin did not read the request in time");
                }
                Thread.sleep(1);
            }
        }
    }

    private static byte[] head(HttpRequest request, URI uri) {
        StringBuilder h = new StringBuilder(256);
        h.append(request.method()).append(' ').append(uri.getRawPath() == null || uri.getRawPath().isEmpty()
                ? "/" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            h.append('?').append(uri.getRawQuery());
        }
        h.append(" HTTP/1.1\r\nHost: ").append(uri.getRawAuthority()).append("\r\nConnection: close\r\n");
        for (Map.Entry<String, List<String>> e : request.headers().map().entrySet()) {
            for (String v : e.getValue()) {
                h.append(e.getKey()).append(": ").append(v).append("\r\n");
            }
        }
        // a body (POST, PATCH) has its length; DELETE and GET carry none and say nothing
        long length = request.bodyPublisher().map(HttpRequest.BodyPublisher::contentLength).orElse(0L);
        if (length > 0 || (request.bodyPublisher().isPresent() && !request.method().equals("DELETE")
                && !request.method().equals("GET"))) {
            h.append("Content-Length: ").append(Math.max(0, length)).append("\r\n");
        }
        return h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The request body: the builders used here publish it at once on the subscribing thread. */
    private static byte[] body(HttpRequest request) throws IOException {
        Optional<HttpRequest.BodyPublisher> publisher = request.bodyPublisher();
        if (publisher.isEmpty() || publisher.get().contentLength() == 0) {
            return new byte[0];
        }
        long length = publisher.get().contentLength();
        if (length < 0 || length > MAX_BODY_BYTES) {
            throw new IOException("request body of unknown or too large length");
        }
        byte[] out = new byte[(int) length];
        int[] filled = {0};
        boolean[] done = {false};
        publisher.get().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                int n = Math.min(item.remaining(), out.length - filled[0]);
                item.get(out, filled[0], n);
                filled[0] += n;
            }

            @Override
            public void onError(Throwable t) {
                done[0] = true;
            }

            @Override
            public void onComplete() {
                done[0] = true;
            }
        });
        if (!done[0] || filled[0] != out.length) {
            throw new IOException("request body was not published whole");
        }
        return out;
    }

    private HttpResponse<byte[]> read(Socket socket, HttpRequest request, long deadline) throws IOException {
        Reader in = new Reader(socket, deadline);
        while (true) {
            String head = in.head();
            int status = status(head);
            TreeMap<String, List<String>> headers = headers(head);
            if (status >= 100 && status < 200) {
                continue; // interim (100 Continue, 103 Early Hints): the final answer follows
            }
            byte[] body;
            List<String> te = headers.get("Transfer-Encoding");
            List<String> cl = headers.get("Content-Length");
            if (request.method().equals("HEAD") || status == 204 || status == 304) {
                body = new byte[0];
            } else if (te != null && te.get(te.size() - 1).toLowerCase(Locale.ROOT).endsWith("chunked")) {
                body = in.chunked();
            } else if (cl != null) {
                body = in.exactly(contentLength(cl));
            } else {
                body = in.toClose();
            }
            return new Response(request, status, HttpHeaders.of(headers, (n, v) -> true), body);
        }
    }

    private static int status(String head) throws IOException {
        int lineEnd = head.indexOf("\r\n");
        String line = lineEnd < 0 ? head : head.substring(0, lineEnd);
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
            throw new IOException("malformed status line from origin");
        }
        try {
            int status = Integer.parseInt(line.substring(9, 12));
            if (status < 100 || status > 599) {
                throw new IOException("status out of range from origin");
            }
            return status;
        } catch (NumberFormatException e) {
            throw new IOException("malformed status from origin");
        }
    }

    private static TreeMap<String, List<String>> headers(String head) throws IOException {
        TreeMap<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int from = head.indexOf("\r\n") + 2;
        while (from < head.length() - 2) {
            int eol = head.indexOf("\r\n", from);
            String line = head.substring(from, eol);
            from = eol + 2;
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header line from origin");
            }
            out.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>(1))
                    .add(line.substring(colon + 1).trim());
        }
        return out;
    }

    private static int contentLength(List<String> values) throws IOException {
        String first = values.get(0);
        for (String v : values) {
            if (!v.equals(first)) {
                throw new IOException("conflicting Content-Length from origin");
            }
        }
        try {
            long n = Long.parseLong(first);
            if (n < 0 || n > MAX_BODY_BYTES) {
                throw new IOException("origin answer body larger than " + MAX_BODY_BYTES + " bytes");
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new IOException("malformed Content-Length from origin");
        }
    }

    /** Reads the response through one buffer, every read under the exchange's deadline. */
    private static final class Reader {
        private final Socket socket;
        private final InputStream in;
        private final long deadline;
        private byte[] buf = new byte[READ_CHUNK];
        private int start;
        private int end;

        Reader(Socket socket, long deadline) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.deadline = deadline;
        }

        /** Reads more into the buffer; false at the end of the stream. */
        private boolean fill() throws IOException {
            if (start > 0 && start == end) {
                start = 0;
                end = 0;
            }
            if (end == buf.length) {
                if (start > 0) {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                } else {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new SocketTimeoutException("deadline");
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                return false;
            }
            end += n;
            return true;
        }

        /** The next head, CRLF CRLF included, as ISO-8859-1 text. */
        String head() throws IOException {
            int scanned = start;
            while (true) {
                for (int i = Math.max(start, scanned - 3); i + 3 < end; i++) {
                    if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                        String head = new String(buf, start, i + 4 - start, StandardCharsets.ISO_8859_1);
                        start = i + 4;
                        return head;
                    }
                }
                scanned = end;
                if (end - start >= MAX_HEAD_BYTES) {
                    throw new IOException("origin answer head larger than " + MAX_HEAD_BYTES + " bytes");
                }
                if (!fill()) {
                    throw new IOException("origin closed before a whole answer head");
                }
            }
        }

        byte[] exactly(int n) throws IOException {
            while (end - start < n) {
                if (!fill()) {
                    throw new IOException("origin closed before the whole answer body");
                }
            }
            byte[] out = Arrays.copyOfRange(buf, start, start + n);
            start += n;
            return out;
        }

        byte[] toClose() throws IOException {
            while (fill()) {
                if (end - start > MAX_BODY_BYTES) {
                    throw new IOException("origin answer body larger than " + MAX_BODY_BYTES + " bytes");
                }
            }
            return Arrays.copyOfRange(buf, start, end);
        }

        byte[] chunked() throws IOException {
            byte[] out = new byte[0];
            while (true) {
                String sizeLine = line();
                int semi = sizeLine.indexOf(';');
                int size;
                try {
                    size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("malformed chunk size from origin");
                }
                if (size < 0 || out.length + (long) size > MAX_BODY_BYTES) {
                    throw new IOException("origin answer body larger than " + MAX_BODY_BYTES + " bytes");
                }
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailer fields are dropped
                    }
                    return out;
                }
                byte[] chunk = exactly(size);
                if (!line().isEmpty()) {
                    throw new IOException("malformed chunk from origin");
                }
                out = Arrays.copyOf(out, out.length + size);
                System.arraycopy(chunk, 0, out, out.length - size, size);
            }
        }

        private String line() throws IOException {
            while (true) {
                for (int i = start; i + 1 < end; i++) {
                    if (buf[i] == '\r' && buf[i + 1] == '\n') {
                        String line = new String(buf, start, i - start, StandardCharsets.ISO_8859_1);
                        start = i + 2;
                        return line;
                    }
                }
                if (end - start >= MAX_HEAD_BYTES) {
                    throw new IOException("origin chunk line too long");
                }
                if (!fill()) {
                    throw new IOException("origin closed inside a chunked body");
                }
            }
        }
    }

    /** A whole answer. */
    private record Response(HttpRequest request, int statusCode, HttpHeaders headers, byte[] body)
            implements HttpResponse<byte[]> {
        @Override
        public Optional<HttpResponse<byte[]>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
