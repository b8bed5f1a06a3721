package dev.originproxy.sdp.http.internal;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * One connection of the guarded HTTP server while its request arrives: the head bytes so far,
 * then the body, and the deadline by which the current part must be complete. Only the
 * server's selector thread touches it.
 */
public final class PendingRequest {
    private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};
    /**
     * The head buffer's first size. A WHIP or API request head is a few hundred bytes; the buffer
     * doubles up to the largest head allowed, so a connection costs its own head's size rather than
     * the cap (16 KiB of garbage per request at a thousand sessions is 16 MB of heap touched).
     */
    static final int INITIAL_HEAD_BYTES = 1024;

    /** The client's channel (non-blocking while pending). */
    public final SocketChannel channel;
    /** The client's address, the key of the per-source limit. */
    public final InetAddress source;
    private final int maxHeadBytes;
    private byte[] head;
    private int headLength;
    private RequestHead parsed;
    private byte[] body;
    private int bodyLength;
    private long deadlineNanos;

    /**
     * @param channel the accepted channel
     * @param source the client's address
     * @param maxHeadBytes largest head (then 431)
     * @param headDeadlineNanos when the head must be complete
     */
    public PendingRequest(SocketChannel channel, InetAddress source, int maxHeadBytes, long headDeadlineNanos) {
        this.channel = channel;
        this.source = source;
        this.maxHeadBytes = maxHeadBytes;
        this.head = new byte[Math.min(INITIAL_HEAD_BYTES, maxHeadBytes)];
        this.deadlineNanos = headDeadlineNanos;
    }

    /** What a read made of the request. */
    public enum Progress {
        /** More bytes are needed. */
        MORE,
        /** The head just became complete and a {@code 100 Continue} is owed. */
        CONTINUE,
        /** Head and body are complete. */
        COMPLETE,
        /** The client closed its side before the request was complete. */
        CLOSED
    }

    /** When the part being read must be complete. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** Whether the head is complete (then the deadline is the body's). */
    public boolean headComplete() {
        return parsed != null;
    }

    /** The parsed head, once complete. */
    public RequestHead head() {
        return parsed;
    }

    /** The body, once complete. */
    public byte[] body() {
        return body;
    }

    /**
     * Reads what the channel has.
     *
     * @param maxBodyBytes largest body (then 413)
     * @param bodyTimeoutNanos how long the body may take after the head
     * @param now the current nano time
     */
    public Progress read(int maxBodyBytes, long bodyTimeoutNanos, long now) throws java.io.IOException, RequestHead.Refusal {
        if (parsed == null) {
            int n = channel.read(ByteBuffer.wrap(head, headLength, head.length - headLength));
            if (n < 0) {
                return Progress.CLOSED;
            }
            int from = Math.max(0, headLength - 3);
            headLength += n;
            int end = indexOfEnd(from);
            if (end < 0) {
                if (headLength == head.length) {
                    if (head.length == maxHeadBytes) {
                        throw new RequestHead.Refusal(431, "request head larger than " + maxHeadBytes + " bytes");
                    }
                    // full but not at the cap: grow and read again now, the channel may hold more
                    head = Arrays.copyOf(head, (int) Math.min((long) head.length * 2, maxHeadBytes));
                    return read(maxBodyBytes, bodyTimeoutNanos, now);
                }
                return Progress.MORE;
            }
            parsed = RequestHead.parse(head, end);
            if (parsed.contentLength > maxBodyBytes) {
                throw new RequestHead.Refusal(413, "body larger than " + maxBodyBytes + " bytes");
            }
            body = new byte[(int) parsed.contentLength];
            int extra = Math.min(headLength - end, body.length);
            System.arraycopy(head, end, body, 0, extra);
            bodyLength = extra;
            deadlineNanos = now + bodyTimeoutNanos;
            if (bodyLength == body.length) {
                return Progress.COMPLETE;
            }
            return parsed.expectContinue ? Progress.CONTINUE : Progress.MORE;
        }
        int n = channel.read(ByteBuffer.wrap(body, bodyLength, body.length - bodyLength));
        if (n < 0) {
            return Progress.CLOSED;
        }
        bodyLength += n;
        return bodyLength == body.length ? Progress.COMPLETE : Progress.MORE;
    }

    /** The offset just past CRLF CRLF, or -1. */
    private int indexOfEnd(int from) {
        outer:
        for (int i = from; i + END_OF_HEAD.length <= headLength; i++) {
            for (int j = 0; j < END_OF_HEAD.length; j++) {
                if (head[i + j] != END_OF_HEAD[j]) {
                    continue outer;
                }
            }
            return i + END_OF_HEAD.length;
        }
        return -1;
    }
}
