package dev.originproxy.core.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The transport seam of one {@link RelayWorker}: its listening socket, the upstream sockets of its
 * legs, and the wait for readiness. The worker keeps the protocol-neutral logic (legs, counters,
 * tasks, ticks, handler calls); an implementation only moves datagrams and hands each one to
 * {@link RelayWorker#clientDatagram} or {@link RelayWorker#upstreamDatagram}.
 *
 * <p>Two implementations: {@link NioDatagramIo} (portable) and, in the Java 22 part of the
 * multi-release jar, {@code MmsgDatagramIo} (Linux {@code recvmmsg}/{@code sendmmsg} via FFM).
 *
 * <p>Threading: {@link #wakeup()} from any thread; everything else on the worker's thread only.
 * Sends may be queued and go out at the next {@link #flush()}; an implementation flushes at least
 * at the end of every batch it dispatches and before it blocks.
 */
abstract class DatagramIo {
    /** The address the listening socket is bound to. */
    abstract InetSocketAddress localAddress();

    /**
     * Waits up to {@code timeoutMillis} (0: do not wait) for readiness, reads what is ready and
     * dispatches each datagram to {@code worker}, then flushes.
     */
    abstract void poll(RelayWorker worker, long timeoutMillis) throws IOException;

    /**
     * Sends (or queues) a datagram to {@code client} from the listening socket and consumes the
     * buffer (position = limit). False when it cannot go out (no room, failed); a queued datagram
     * that fails later is counted by the implementation.
     */
    abstract boolean sendToClient(ByteBuffer packet, InetSocketAddress client, RelayLeg leg);

    /** Opens an upstream socket connected to {@code upstream}, read for {@code leg} from now on. */
    abstract UpstreamSocket openUpstream(InetSocketAddress upstream, int socketBufferBytes) throws IOException;

    /** Sends what is queued. */
    abstract void flush();

    /** Makes a blocked {@link #poll} return soon; any thread. */
    abstract void wakeup();

    /** Closes the listening socket and the readiness machinery (legs are closed before). */
    abstract void close();

    /** What this transport is, for the log line. */
    abstract String describe();

    /** One leg's connected upstream socket. Worker thread only. */
    interface UpstreamSocket {
        /** Binds the socket to its leg, so datagrams read on it reach the leg. */
        void attach(RelayLeg leg);

        /** Sends (or queues) to the connected origin; consumes the buffer. False when it failed. */
        boolean send(ByteBuffer packet);

        /** The socket's local address, or null when unknown. */
        InetSocketAddress localAddress();

        /** Flushes what is queued for it, stops reading it and closes it; idempotent. */
        void close();
    }

    /** Opens the per-worker transports of one relay. */
    interface Factory {
        /**
         * A transport whose listening socket is bound to {@code bind}.
         *
         * @param reusePort set {@code SO_REUSEPORT} before binding
         * @param socketBufferBytes {@code SO_RCVBUF}/{@code SO_SNDBUF}, 0 for the system default
         * @param bufferSize the largest datagram read
         */
        DatagramIo open(InetSocketAddress bind, boolean reusePort, int socketBufferBytes, int bufferSize)
                throws IOException;

        /** What the transport is, for the log line. */
        String describe();
    }
}
