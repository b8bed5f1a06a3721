package dev.originproxy.core.relay;

import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.session.EndReason;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The protocol logic a router plugs into one {@link RelayWorker}: it is told of every datagram
 * from clients and from origins, and of time passing. One handler instance per worker, always
 * called on that worker's thread, so a handler needs no locks for state of its own.
 *
 * <p>The {@code packet} buffers are the worker's reused direct buffer, positioned at the
 * datagram (position 0, limit = length): read them during the call, never keep them.
 * Exceptions thrown by a handler are caught per packet, counted as
 * {@link DropReason#HANDLER_ERROR} and logged rate-limited; they never stop the worker.
 */
public interface RelayHandler {
    /** A datagram from {@code from} arrived on the shared listening port. */
    void onClientPacket(ByteBuffer packet, InetSocketAddress from);

    /** A datagram from the origin arrived on {@code leg}'s connected upstream channel. */
    void onUpstreamPacket(RelayLeg leg, ByteBuffer packet);

    /**
     * A leg was closed by the engine ({@link EndReason#IDLE_TIMEOUT}, {@link EndReason#ERROR} on
     * its socket, {@link EndReason#PROXY_SHUTDOWN}); not called for {@link RelayLeg#close()} made
     * by the handler itself.
     */
    default void onLegClosed(RelayLeg leg, EndReason reason) {
    }

    /**
     * The origin's side of {@code leg} refused a datagram (ICMP port unreachable): a sign the
     * origin process is gone. The leg stays open; the router decides (report the origin to
     * {@link dev.originproxy.core.balancer.OriginHealth}, end the session when it stays silent).
     * Called at most once per failed read or write, on the worker's thread.
     */
    default void onUpstreamUnreachable(RelayLeg leg) {
    }

    /** Called every tick interval with the worker's clock. */
    default void onTick(long nowNanos) {
    }

    /** The engine is closing: end sessions. Legs still open are closed after this returns. */
    default void onClose() {
    }
}
