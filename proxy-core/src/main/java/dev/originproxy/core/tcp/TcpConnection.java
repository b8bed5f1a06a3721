package dev.originproxy.core.tcp;

import dev.originproxy.core.relay.api.TcpCloseReason;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * One TCP connection of a {@link TcpRelay}: an accepted client connection or an outbound one a
 * handler opened with {@link TcpWorker#connect}. It owns a bounded queue of bytes to write (pooled
 * direct buffers) and an input buffer for bytes its {@link TcpHandler} has not consumed yet.
 *
 * <p>Backpressure: {@link #write} writes what the socket takes at once and queues the rest; when the
 * queue reaches the high-water mark {@link #isWritable()} turns false and the handler should stop
 * reading whatever feeds this connection ({@link #suspendRead()} on the source); when the queue
 * drains to half of it {@link TcpHandler#onWritable} says so. Queuing beyond the maximum of buffered
 * bytes closes the connection ({@link TcpCloseReason#BUFFER_LIMIT}); queued bytes that make no
 * progress for the write-stall timeout close it ({@link TcpCloseReason#WRITE_STALL}). So a peer that
 * stops reading costs at most the maximum, never a growing heap.
 *
 * <p>{@link #splice} hands both directions of two connections to the engine, which copies raw
 * bytes with the same backpressure, forwards half-closes (FIN) and resets (RST), and closes both.
 *
 * <p>Threading: every method must be called on the connection's {@link #worker()} thread (from
 * handler callbacks or tasks given to {@link TcpWorker#execute}); only the counters may be read
 * (racily) from other threads.
 */
public final class TcpConnection {
    private enum State { CONNECTING, OPEN, CLOSING, CLOSED }

    private final TcpWorker worker;
    private final SocketChannel channel;
    private final boolean accepted;
    private final long id;
    private final InetSocketAddress remoteAddress;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private SelectionKey key;
    private TcpHandler handler;
    private Object attachment;
    private State state;
    private TcpCloseReason pendingCloseReason;
    private TcpConnection partner;
    private ByteBuffer input; // unconsumed input, kept in write mode between calls
    private int interestOps = -1;
    private boolean readSuspended;
    private boolean splicePaused;
    private boolean inputShutdown;
    private boolean outputShutdownRequested;
    private boolean outputShutdown;
    private boolean aboveHighWater;
    private boolean delivering;
    private boolean redeliveryQueued;
    private long queuedBytes;
    private volatile long bytesRead;
    private volatile long bytesWritten;
    private long lastActivityNanos;
    private long lastWriteProgressNanos;
    private long connectDeadlineNanos;
    private long deadlineNanos;
    private long idleTimeoutNanos;
    int slot = -1;

    TcpConnection(TcpWorker worker, SocketChannel channel, boolean accepted, long id,
                  InetSocketAddress remoteAddress, long now) {
        this.worker = worker;
        this.channel = channel;
        this.accepted = accepted;
        this.id = id;
        this.remoteAddress = remoteAddress;
        this.state = accepted ? State.OPEN : State.CONNECTING;
        this.lastActivityNanos = now;
        this.lastWriteProgressNanos = now;
        this.idleTimeoutNanos = worker.relay().idleTimeoutNanos();
    }

    void register(SelectionKey key, TcpHandler handler, long connectDeadlineNanos) {
        this.key = key;
        this.handler = handler;
        this.connectDeadlineNanos = connectDeadlineNanos;
        updateInterest();
    }

    // ------------------------------------------------------------------ accessors

    /** The worker whose thread owns this connection. */
    public TcpWorker worker() {
        return worker;
    }

    /** An id unique within the engine, for logs. */
    public long id() {
        return id;
    }

    /** True for a client connection the engine accepted, false for an outbound one. */
    public boolean isAccepted() {
        return accepted;
    }

    /** The peer's address. */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** The local address, or null once closed. */
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /** Bytes read from the socket so far (any thread, racy). */
    public long bytesRead() {
        return bytesRead;
    }

    /** Bytes written to the socket so far (any thread, racy). */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Bytes queued for writing, not taken by the socket yet. */
    public long queuedBytes() {
        return queuedBytes;
    }

    /** Whether the queue is below its high-water mark (write more) and the connection is not closing. */
    public boolean isWritable() {
        return (state == State.OPEN || state == State.CONNECTING) && !aboveHighWater && !outputShutdownRequested;
    }

    /** Whether the connection is established and not closing or closed. */
    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** Whether the connection is closed (its handler has had {@link TcpHandler#onClosed}). */
    public boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Whether the peer has sent its FIN. */
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    /** The handler's own state for this connection. */
    public Object attachment() {
        return attachment;
    }

    /** Stores the handler's own state for this connection. */
    public void attach(Object value) {
        this.attachment = value;
    }

    /** The connection's handler. */
    public TcpHandler handler() {
        return handler;
    }

    /** Replaces the handler (e.g. once a protocol is identified); the new one gets the next callback. */
    public void handler(TcpHandler newHandler) {
        this.handler = Objects.requireNonNull(newHandler, "handler");
    }

    /** The spliced partner, or null. */
    public TcpConnection partner() {
        return partner;
    }

    // ------------------------------------------------------------------ control

    /**
     * Closes the connection when nothing has moved either way for {@code nanos} (0 disables);
     * replaces the engine's idle timeout for this connection.
     */
    public void idleTimeoutNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("idle timeout must be >= 0");
        }
        this.idleTimeoutNanos = nanos;
    }

    /**
     * Closes the connection with {@link TcpCloseReason#DEADLINE} once the worker's clock passes
     * {@code nanoTime} (e.g. a handshake that must finish); 0 clears it.
     */
    public void deadline(long nanoTime) {
        this.deadlineNanos = nanoTime;
    }

    /** Stops reading (bytes stay in the kernel's buffer, so the peer's TCP window closes). */
    public void suspendRead() {
        readSuspended = true;
        updateInterest();
    }

    /** Reads again; unconsumed input is offered to the handler again first. */
    public void resumeRead() {
        if (!readSuspended) {
            return;
        }
        readSuspended = false;
        updateInterest();
        if (input != null && input.position() > 0 && !redeliveryQueued && state == State.OPEN) {
            redeliveryQueued = true;
            worker.redeliverLater(this);
        }
    }

    /** Whether reading is suspended by the handler. */
    public boolean isReadSuspended() {
        return readSuspended;
    }

    /**
     * Writes all of {@code src} (position to limit; the position moves to the limit): what the
     * socket takes now is written, the rest is copied into the queue. Before the connection is
     * established everything is queued.
     *
     * @return false when the bytes were not taken: the connection is closing or closed, or queuing
     *     them would exceed the maximum of buffered bytes (it is then closed with
     *     {@link TcpCloseReason#BUFFER_LIMIT})
     */
    public boolean write(ByteBuffer src) {
        if ((state != State.OPEN && state != State.CONNECTING) || outputShutdownRequested) {
            src.position(src.limit());
            return false;
        }
        if (queue.isEmpty() && state == State.OPEN) {
            try {
                int n = channel.write(src);
                if (n > 0) {
                    countWritten(n);
                }
            } catch (IOException e) {
                src.position(src.limit());
                closeNow(TcpCloseReason.RESET, false);
                return false;
            }
        }
        int left = src.remaining();
        if (left == 0) {
            return true;
        }
        if (queuedBytes + left > worker.relay().maxBufferedBytes()) {
            src.position(src.limit());
            closeNow(TcpCloseReason.BUFFER_LIMIT, false);
            return false;
        }
        if (queue.isEmpty()) {
            lastWriteProgressNanos = worker.nanoTime(); // the stall clock starts when bytes start waiting
        }
        enqueue(src);
        queuedBytes += left;
        worker.bufferedBytes += left;
        if (queuedBytes >= worker.relay().writeHighWater()) {
            aboveHighWater = true;
        }
        updateInterest();
        return true;
    }

    private void enqueue(ByteBuffer src) {
        ByteBuffer tail = queue.peekLast();
        while (src.hasRemaining()) {
            if (tail == null || tail.limit() == tail.capacity()) {
                tail = worker.pool().acquire();
                tail.limit(0);
                queue.addLast(tail);
            }
            int pos = tail.position();
            tail.position(tail.limit());
            tail.limit(tail.capacity());
            int n = Math.min(src.remaining(), tail.remaining());
            int srcLimit = src.limit();
            src.limit(src.position() + n);
            tail.put(src);
            src.limit(srcLimit);
            tail.limit(tail.position());
            tail.position(pos);
        }
    }

    /**
     * Half-closes: sends a FIN once every queued byte is written; reading goes on. When the peer's
     * FIN has arrived too, the connection closes ({@link TcpCloseReason#CLOSED}).
     */
    public void shutdownOutput() {
        if (state == State.CLOSED || outputShutdownRequested) {
            return;
        }
        outputShutdownRequested = true;
        if (queue.isEmpty() && state == State.OPEN) {
            doShutdownOutput();
        }
    }

    /** Closes gracefully: stops reading, writes what is queued (bounded by the write-stall timeout), closes. */
    public void close() {
        closeAfterFlush(TcpCloseReason.LOCAL_CLOSE);
    }

    /** Closes at once with a reset (RST), dropping queued bytes. */
    public void abort() {
        closeNow(TcpCloseReason.ABORTED, true);
    }

    /**
     * Hands both connections to the engine: from now on it copies raw bytes both ways with
     * backpressure (reading one side stops while the other's queue is above its high-water mark),
     * forwards a FIN as a half-close and a reset as a reset, and closes both when both directions
     * are done or either fails. Unconsumed input of either side is forwarded first. The handlers
     * get no more {@link TcpHandler#onData}, only {@link TcpHandler#onClosed} for each connection.
     * Both must be on the same worker and not closed.
     */
    public void splice(TcpConnection other) {
        Objects.requireNonNull(other, "other");
        if (other == this || other.worker != worker) {
            throw new IllegalArgumentException("splice needs two connections of one worker");
        }
        if (partner != null || other.partner != null) {
            throw new IllegalStateException("already spliced");
        }
        if (state == State.CLOSED || other.state == State.CLOSED) {
            throw new IllegalStateException("connection closed");
        }
        partner = other;
        other.partner = this;
        readSuspended = false;
        other.readSuspended = false;
        forwardLeftover();
        other.forwardLeftover();
        if (inputShutdown) {
            other.shutdownOutput();
        }
        if (other.inputShutdown) {
            shutdownOutput();
        }
        updateInterest();
        other.updateInterest();
    }

    private void forwardLeftover() {
        if (delivering || input == null || partner == null) {
            return; // the delivery in progress forwards what the handler left
        }
        input.flip();
        partner.write(input);
        releaseInput();
        if (partner != null && !partner.isWritable()) {
            splicePaused = true;
        }
    }

    // ------------------------------------------------------------------ engine side

    void onSelected(int readyOps) {
        if (state == State.CONNECTING) {
            if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
                finishConnect();
            }
            return;
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            flushQueue();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0 && state == State.OPEN) {
            onReadable();
        }
    }

    private void finishConnect() {
        try {
            if (!channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            closeNow(TcpCloseReason.CONNECT_FAILED, false);
            return;
        }
        state = State.OPEN;
        long now = worker.nanoTime();
        lastActivityNanos = now;
        lastWriteProgressNanos = now;
        worker.connected++;
        try {
            handler.onConnected(this);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            handlerFailed("onConnected", e);
            return;
        }
        if (state != State.OPEN) {
            return;
        }
        if (!queue.isEmpty()) {
            flushQueue();
        } else if (outputShutdownRequested && !outputShutdown) {
            doShutdownOutput();
        }
        updateInterest();
    }

    private void onReadable() {
        for (int reads = 0; reads < 4; reads++) {
            if (state != State.OPEN || readSuspended || splicePaused || inputShutdown) {
                return;
            }
            boolean intoInput = input != null;
            ByteBuffer target;
            if (intoInput) {
                target = input;
                if (!target.hasRemaining()) {
                    closeNow(TcpCloseReason.INPUT_OVERFLOW, false);
                    return;
                }
            } else {
                target = worker.readBuffer();
                target.clear();
            }
            int n;
            try {
                n = channel.read(target);
            } catch (IOException e) {
                closeNow(TcpCloseReason.RESET, false);
                return;
            }
            if (n < 0) {
                onEndOfInput();
                return;
            }
            if (n == 0) {
                return;
            }
            bytesRead += n;
            worker.bytesIn += n;
            lastActivityNanos = worker.nanoTime();
            target.flip();
            if (partner != null) {
                partner.write(target);
                if (intoInput) {
                    releaseInput();
                }
                if (partner != null && !partner.isWritable() && !partner.isClosed()) {
                    splicePaused = true;
                    updateInterest();
                    return;
                }
            } else {
                deliver(target, intoInput);
            }
        }
    }

    void redeliver() {
        redeliveryQueued = false;
        if (state != State.OPEN || readSuspended || input == null || input.position() == 0 || partner != null) {
            return;
        }
        input.flip();
        deliver(input, true);
    }

    private void deliver(ByteBuffer data, boolean isInput) {
        delivering = true;
        try {
            handler.onData(this, data);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            delivering = false;
            if (isInput) {
                input.clear();
            }
            handlerFailed("onData", e);
            return;
        }
        delivering = false;
        if (state == State.CLOSED) {
            return; // closeNow released the input
        }
        if (partner != null && data.hasRemaining()) {
            partner.write(data); // spliced during the call: what the handler left goes raw
            if (isInput) {
                releaseInput();
            }
            return;
        }
        if (isInput) {
            if (!data.hasRemaining()) {
                releaseInput();
            } else {
                data.compact();
            }
        } else if (data.hasRemaining()) {
            input = worker.pool().acquire();
            input.put(data);
        }
    }

    private void onEndOfInput() {
        inputShutdown = true;
        updateInterest();
        if (partner != null) {
            partner.shutdownOutput();
        } else {
            try {
                handler.onInputShutdown(this);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                handlerFailed("onInputShutdown", e);
                return;
            }
        }
        closeIfBothShut();
    }

    private void flushQueue() {
        boolean progress = false;
        while (!queue.isEmpty()) {
            ByteBuffer head = queue.peekFirst();
            int n;
            try {
                n = channel.write(head);
            } catch (IOException e) {
                closeNow(TcpCloseReason.RESET, false);
                return;
            }
            if (n > 0) {
                progress = true;
                countWritten(n);
                queuedBytes -= n;
                worker.bufferedBytes -= n;
            }
            if (head.hasRemaining()) {
                break;
            }
            worker.pool().release(queue.pollFirst());
        }
        if (progress) {
            lastWriteProgressNanos = worker.nanoTime();
        }
        if (queue.isEmpty()) {
            if (state == State.CLOSING) {
                closeNow(pendingCloseReason, false);
                return;
            }
            if (outputShutdownRequested && !outputShutdown) {
                doShutdownOutput();
                if (state == State.CLOSED) {
                    return;
                }
            }
        }
        if (aboveHighWater && queuedBytes <= worker.relay().writeHighWater() / 2) {
            aboveHighWater = false;
            notifyWritable();
        }
        updateInterest();
    }

    private void notifyWritable() {
        if (state != State.OPEN) {
            return;
        }
        if (partner != null) {
            partner.resumeFromSplice();
            return;
        }
        try {
            handler.onWritable(this);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            handlerFailed("onWritable", e);
        }
    }

    private void resumeFromSplice() {
        if (splicePaused) {
            splicePaused = false;
            updateInterest();
        }
    }

    private void countWritten(int n) {
        bytesWritten += n;
        worker.bytesOut += n;
        lastActivityNanos = worker.nanoTime();
    }

    private void doShutdownOutput() {
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            closeNow(TcpCloseReason.RESET, false);
            return;
        }
        outputShutdown = true;
        closeIfBothShut();
    }

    private void closeIfBothShut() {
        if (inputShutdown && outputShutdown && state == State.OPEN) {
            closeNow(TcpCloseReason.CLOSED, false);
        }
    }

    void closeAfterFlush(TcpCloseReason reason) {
        if (state == State.CLOSED || state == State.CLOSING) {
            return;
        }
        if (queue.isEmpty() || state == State.CONNECTING) {
            closeNow(reason, false);
            return;
        }
        state = State.CLOSING;
        pendingCloseReason = reason;
        updateInterest();
    }

    /** Checks the connection's timers; called by the worker's periodic scan. */
    void checkTimers(long now) {
        if (state == State.CONNECTING) {
            if (now - connectDeadlineNanos >= 0) {
                closeNow(TcpCloseReason.CONNECT_TIMEOUT, false);
            }
            return;
        }
        if (deadlineNanos != 0 && now - deadlineNanos >= 0) {
            closeNow(TcpCloseReason.DEADLINE, false);
        } else if (!queue.isEmpty() && now - lastWriteProgressNanos > worker.relay().writeStallNanos()) {
            closeNow(TcpCloseReason.WRITE_STALL, true);
        } else if (idleTimeoutNanos > 0 && now - lastActivityNanos > idleTimeoutNanos) {
            closeNow(TcpCloseReason.IDLE_TIMEOUT, false);
        }
    }

    void closeNow(TcpCloseReason reason, boolean reset) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (reset) {
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException ignored) {
                // closing anyway; a FIN instead of an RST
            }
        }
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed anyway
        }
        while (!queue.isEmpty()) {
            worker.pool().release(queue.pollFirst());
        }
        worker.bufferedBytes -= queuedBytes;
        queuedBytes = 0;
        releaseInput();
        worker.closed(this, reason);
        TcpConnection p = partner;
        if (handler != null) {
            try {
                handler.onClosed(this, reason);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                worker.logError("handler failed in onClosed", e);
            }
        }
        if (p != null && p.state != State.CLOSED) {
            if (worker.isStopping()) {
                p.closeNow(TcpCloseReason.SHUTDOWN, false);
            } else if (reason == TcpCloseReason.RESET || reason == TcpCloseReason.ABORTED
                    || reason == TcpCloseReason.WRITE_STALL) {
                p.closeNow(TcpCloseReason.PARTNER_CLOSED, true);
            } else if (reason != TcpCloseReason.CLOSED) {
                p.closeAfterFlush(TcpCloseReason.PARTNER_CLOSED);
            }
        }
    }

    private void handlerFailed(String callback, Throwable e) {
        worker.logError("handler failed in " + callback, e);
        closeNow(TcpCloseReason.HANDLER_ERROR, true);
    }

    private void releaseInput() {
        if (input != null) {
            worker.pool().release(input);
            input = null;
        }
    }

    void updateInterest() {
        if (key == null || state == State.CLOSED || !key.isValid()) {
            return;
        }
        int ops = 0;
        if (state == State.CONNECTING) {
            ops = SelectionKey.OP_CONNECT;
        } else {
            if (state == State.OPEN && !inputShutdown && !readSuspended && !splicePaused) {
                ops |= SelectionKey.OP_READ;
            }
            if (!queue.isEmpty()) {
                ops |= SelectionKey.OP_WRITE;
            }
        }
        if (ops != interestOps) {
            key.interestOps(ops);
            interestOps = ops;
        }
    }

    @Override
    public String toString() {
        return (accepted ? "tcp-in#" : "tcp-out#") + id + " " + remoteAddress + " " + state;
    }
}
