package dev.originproxy.http.internal.hls;

import dev.originproxy.http.internal.HttpHeader;
import dev.originproxy.http.internal.HttpRequestHead;
import dev.originproxy.http.internal.HttpResponseHead;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Fetches one playlist from an origin with a blocking socket (run off the event loop): writes
 * the request head, reads the response head with {@link HttpResponseHead}, then the body framed
 * by {@code Content-Length}, chunked coding, or the origin's close. Playlists are small but an
 * origin is trusted only so far: the body is bounded ({@code maxBytes}), the connect has a
 * timeout, and the whole response must arrive within {@code readTimeout} of the request (long
 * enough for an LL-HLS blocking reload, which an origin may hold for several part durations; a
 * slow origin dripping bytes cannot hold the helper thread longer).
 *
 * <p>Thread-safe: no state between calls.
 */
public final class PlaylistFetcher {
    private static final int MAX_HEAD = 16 * 1024;
    private static final int MAX_HEADERS = 100;

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int maxBytes;

    /**
     * @param connectTimeout bound of the TCP connect
     * @param readTimeout bound of each wait for origin bytes
     * @param maxBytes the largest playlist body accepted
     */
    public PlaylistFetcher(Duration connectTimeout, Duration readTimeout, int maxBytes) {
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        this.maxBytes = maxBytes;
    }

    /** An origin's answer: status, reason, header fields and the whole (de-chunked) body. */
    public record Response(int status, String reason, List<HttpHeader> headers, byte[] body) {
        /** The first value of a field (case-insensitive), or null. */
        public String header(String name) {
            for (HttpHeader h : headers) {
                if (h.is(name)) {
                    return h.value();
                }
            }
            return null;
        }
    }

    /** The origin answered something that is not a bounded HTTP/1.x response. */
    public static final class BadOriginResponseException extends IOException {
        private static final long serialVersionUID = 1L;

        BadOriginResponseException(String message) {
            super(message);
        }
    }

    /** The playlist is larger than the bound. */
    public static final class PlaylistTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        PlaylistTooLargeException(String message) {
            super(message);
        }
    }

    /**
     * Sends {@code requestHead} to {@code origin} and reads the answer.
     *
     * @throws java.net.ConnectException when the origin refuses (answered 502)
     * @throws SocketTimeoutException when it is too slow (answered 504)
     * @throws BadOriginResponseException when the answer is not HTTP (502)
     * @throws PlaylistTooLargeException when the body exceeds the bound (502)
     */
    public Response fetch(InetSocketAddress origin, ByteBuffer requestHead) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(origin, (int) connectTimeout.toMillis());
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            ByteBuffer head = requestHead.duplicate();
            byte[] bytes = new byte[head.remaining()];
            head.get(bytes);
            out.write(bytes);
            out.flush();
            return read(new DeadlineInput(s, System.nanoTime() + readTimeout.toNanos()));
        }
    }

    /** The socket's input, every read bounded by what is left of one deadline. */
    private static final class DeadlineInput extends InputStream {
        private final Socket socket;
        private final InputStream in;
        private final long deadlineNanos;

        DeadlineInput(Socket socket, long deadlineNanos) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.deadlineNanos = deadlineNanos;
        }

        private void arm() throws IOException {
            long leftMs = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                throw new SocketTimeoutException("origin did not send the whole playlist in time");
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMs));
        }

        @Override
        public int read() throws IOException {
            arm();
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            arm();
            return in.read(b, off, len);
        }
    }

    private Response read(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        int len = 0;
        HttpResponseHead head = new HttpResponseHead(MAX_HEAD, MAX_HEADERS);
        while (true) {
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                throw new BadOriginResponseException("origin closed before a complete response head");
            }
            len += n;
            HttpRequestHead.Outcome o = head.wrap(ByteBuffer.wrap(buf), 0, len);
            if (o == HttpRequestHead.Outcome.COMPLETE) {
                break;
            }
            if (o == HttpRequestHead.Outcome.INVALID) {
                throw new BadOriginResponseException("origin response head invalid: " + head.error());
            }
            if (len == buf.length) {
                if (buf.length >= MAX_HEAD) {
                    throw new BadOriginResponseException("origin response head too large");
                }
                buf = Arrays.copyOf(buf, Math.min(MAX_HEAD, buf.length * 2));
            }
        }
        List<HttpHeader> headers = new ArrayList<>(head.headerCount());
        for (int i = 0; i < head.headerCount(); i++) {
            headers.add(new HttpHeader(head.headerName(i), head.headerValue(i)));
        }
        int status = head.status();
        String reason = head.reason();
        int start = head.headLength();
        byte[] already = Arrays.copyOfRange(buf, start, len);
        byte[] body;
        if (status == 204 || status == 304 || status < 200) {
            body = new byte[0];
        } else if (head.chunked()) {
            body = dechunk(new SequenceReader(already, in));
        } else if (head.hasTransferEncoding()) {
            throw new BadOriginResponseException("origin used a transfer coding other than chunked");
        } else if (head.contentLength() >= 0) {
            if (head.contentLength() > maxBytes) {
                throw new PlaylistTooLargeException("playlist of " + head.contentLength() + " bytes exceeds " + maxBytes);
            }
            body = new SequenceReader(already, in).readExactly((int) head.contentLength());
        } else {
            body = new SequenceReader(already, in).readToEnd(maxBytes);
        }
        return new Response(status, reason, List.copyOf(headers), body);
    }

    private byte[] dechunk(SequenceReader r) throws IOException {
        byte[] out = new byte[4096];
        int len = 0;
        while (true) {
            String line = r.line(256);
            int semi = line.indexOf(';');
            String hex = (semi < 0 ? line : line.substring(0, semi)).trim();
            int size;
            try {
                size = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new BadOriginResponseException("bad chunk size");
            }
            if (size < 0) {
                throw new BadOriginResponseException("bad chunk size");
            }
            if (size == 0) {
                // Trailer fields until the empty line.
                while (!r.line(8192).isEmpty()) {
                    // ignored
                }
                return Arrays.copyOf(out, len);
            }
            if (len + (long) size > maxBytes) {
                throw new PlaylistTooLargeException("chunked playlist exceeds " + maxBytes + " bytes");
            }
            byte[] chunk = r.readExactly(size);
            if (len + size > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, len + size));
            }
            System.arraycopy(chunk, 0, out, len, size);
            len += size;
            if (!r.line(2).isEmpty()) {
                throw new BadOriginResponseException("chunk not followed by CRLF");
            }
        }
    }

    /** Bytes already read after the head, then the socket. */
    private static final class SequenceReader {
        private final byte[] first;
        private int firstPos;
        private final InputStream in;

        SequenceReader(byte[] first, InputStream in) {
            this.first = first;
            this.in = in;
        }

        int read() throws IOException {
            if (firstPos < first.length) {
                return first[firstPos++] & 0xff;
            }
            return in.read();
        }

        int read(byte[] b, int off, int len) throws IOException {
            if (firstPos < first.length) {
                int n = Math.min(len, first.length - firstPos);
                System.arraycopy(first, firstPos, b, off, n);
                firstPos += n;
                return n;
            }
            return in.read(b, off, len);
        }

        byte[] readExactly(int n) throws IOException {
            byte[] b = new byte[n];
            int got = 0;
            while (got < n) {
                int r = read(b, got, n - got);
                if (r < 0) {
                    throw new BadOriginResponseException("origin closed after " + got + " of " + n + " body bytes");
                }
                got += r;
            }
            return b;
        }

        byte[] readToEnd(int max) throws IOException {
            byte[] b = new byte[4096];
            int len = 0;
            while (true) {
                if (len == b.length) {
                    if (len >= max) {
                        throw new PlaylistTooLargeException("playlist exceeds " + max + " bytes");
                    }
                    b = Arrays.copyOf(b, Math.min(max + 1, b.length * 2));
                }
                int r = read(b, len, b.length - len);
                if (r < 0) {
                    return Arrays.copyOf(b, len);
                }
                len += r;
                if (len > max) {
                    throw new PlaylistTooLargeException("playlist exceeds " + max + " bytes");
                }
            }
        }

        /** A CRLF-terminated line without its end, at most {@code max} bytes. */
        String line(int max) throws IOException {
            StringBuilder b = new StringBuilder();
            while (true) {
                int c = read();
                if (c < 0) {
                    throw new BadOriginResponseException("origin closed inside chunked framing");
                }
                if (c == '\n') {
                    int n = b.length();
                    if (n > 0 && b.charAt(n - 1) == '\r') {
                        b.setLength(n - 1);
                    }
                    return b.toString();
                }
                if (b.length() >= max) {
                    throw new BadOriginResponseException("chunk framing line too long");
                }
                b.append((char) c);
            }
        }
    }
}
