package dev.originproxy.core.tcp;

import dev.originproxy.core.relay.api.TcpCloseReason;

import java.nio.ByteBuffer;

/**
 * The protocol logic of one or more {@link TcpConnection}s (a router typically uses one handler
 * object for a client connection and the origin connection it opens, telling them apart by
 * identity). Every callback runs on the connections' worker thread, so a handler needs no locks
 * for its own state, and must never block: blocking work (placement, host callbacks, name
 * resolution) runs elsewhere and comes back through {@link TcpWorker#execute}.
 *
 * <p>A handler sees bytes in {@link #onData} until it has identified the stream; then it either
 * keeps processing (message-level relay) or calls {@link TcpConnection#splice} to have the engine
 * copy raw bytes both ways. A callback that throws closes its connection with
 * {@link TcpCloseReason#HANDLER_ERROR}; the worker keeps running.
 */
public interface TcpHandler {
    /** An accepted connection is registered and ready. */
    default void onOpen(TcpConnection connection) {
    }

    /** An outbound connection ({@link TcpWorker#connect}) is established. */
    default void onConnected(TcpConnection connection) {
    }

    /**
     * Bytes arrived: {@code data} holds every byte received and not consumed yet, from its position
     * to its limit. Consume what forms whole units by advancing the position; what is left is kept
     * and offered again, before newer bytes, on the next call. The buffer belongs to the engine:
     * read it during the call, never keep it. A handler that leaves a full buffer unconsumed is
     * closed with {@link TcpCloseReason#INPUT_OVERFLOW}.
     */
    void onData(TcpConnection connection, ByteBuffer data);

    /**
     * The connection's queue of bytes to write fell to its low-water mark after having been above
     * its high-water mark ({@link TcpConnection#isWritable()} is true again): resume reading from
     * whatever feeds it.
     */
    default void onWritable(TcpConnection connection) {
    }

    /**
     * The peer ended its side (FIN). By default the connection is closed (after queued bytes are
     * written); a handler that wants half-close keeps writing and calls
     * {@link TcpConnection#shutdownOutput()} when done.
     */
    default void onInputShutdown(TcpConnection connection) {
        connection.close();
    }

    /** The connection is closed, exactly once, whoever closed it; its counters are final. */
    default void onClosed(TcpConnection connection, TcpCloseReason reason) {
    }
}
