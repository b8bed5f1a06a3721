package dev.originproxy.core.relay;

import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.session.SessionCounters;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One client address of one session, with its own <em>connected</em> upstream
 * UDP socket to the origin: packets the client sends go out on that socket, the
 * origin's replies arrive on it and go back to the client through the worker's listening socket.
 * One upstream socket per client address keeps every leg symmetric, which ICE and libsrt need
 * (they drop packets from an address other than the one they talk to).
 *
 * <p>Owned by one {@link RelayWorker}: every method except the counters' getters must be called
 * on that worker's thread. Counter getters may be called from any thread and give a recent value.
 */
public final class RelayLeg {
    private final RelayWorker worker;
    private final InetSocketAddress client;
    private final InetSocketAddress upstream;
    private final DatagramIo.UpstreamSocket socket;
    private Object attachment;
    private boolean open = true;
    int slot = -1; // index in the worker's leg list, for O(1) removal

    // Written only by the owning worker; read racily by stats views (64-bit JVM writes are atomic).
    long lastActivityNanos;
    long lastFromOriginNanos;
    long packetsFromClient;
    long bytesFromClient;
    long packetsFromOrigin;
    long bytesFromOrigin;
    long dropped;

    RelayLeg(RelayWorker worker, InetSocketAddress client, InetSocketAddress upstream, DatagramIo.UpstreamSocket socket,
             Object attachment, long now) {
        this.worker = worker;
        this.client = client;
        this.upstream = upstream;
        this.socket = socket;
        this.attachment = attachment;
        this.lastActivityNanos = now;
        this.lastFromOriginNanos = now;
    }

    /**
     * When the origin last sent a datagram on this leg (the leg's opening time before that), on
     * the worker's clock: routers end a session whose origin is suspect and silent.
     */
    public long lastFromOriginNanos() {
        return lastFromOriginNanos;
    }

    /** The worker that owns this leg. */
    public RelayWorker worker() {
        return worker;
    }

    /** The client's address. */
    public InetSocketAddress client() {
        return client;
    }

    /** The origin's address this leg's socket is connected to. */
    public InetSocketAddress upstream() {
        return upstream;
    }

    /** The local address of the upstream socket (what the origin sees), or null once closed. */
    public InetSocketAddress upstreamLocalAddress() {
        return open ? socket.localAddress() : null;
    }

    /** The router's state for this leg. */
    public Object attachment() {
        return attachment;
    }

    /** Replaces the router's state for this leg. */
    public void attachment(Object value) {
        this.attachment = value;
    }

    /** Whether the leg is still open. */
    public boolean isOpen() {
        return open;
    }

    /** The worker clock's time of the last packet either way. */
    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    /**
     * Sends a datagram to the origin on the connected socket and counts it as from the client.
     * Returns false (and counts a drop) when the socket had no room or failed. A batching
     * transport may queue the datagram until the end of the current batch; one that fails then
     * is counted as a drop of this leg and {@link DropReason#SEND_FAILED}. Consumes the buffer
     * (position = limit) either way.
     */
    public boolean sendUpstream(ByteBuffer packet) {
        int len = packet.remaining();
        if (open && socket.send(packet)) {
            packetsFromClient++;
            bytesFromClient += len;
            lastActivityNanos = worker.nanoTime();
            return true;
        }
        dropped++;
        worker.countDrop(DropReason.SEND_FAILED);
        return false;
    }

    /**
     * Sends a datagram to this leg's client through the worker's listening socket, counted as
     * from the origin. Returns false (and counts a drop) on failure.
     */
    public boolean sendToClient(ByteBuffer packet) {
        if (!open) {
            return false;
        }
        if (worker.sendToClient(packet, client, this)) {
            lastActivityNanos = worker.nanoTime();
            return true;
        }
        dropped++;
        return false;
    }

    void countFromOrigin(int len, long now) {
        packetsFromOrigin++;
        bytesFromOrigin += len;
        lastActivityNanos = now;
        lastFromOriginNanos = now;
    }

    /** This leg's counters so far. */
    public SessionCounters counters() {
        return new SessionCounters(packetsFromClient, bytesFromClient, packetsFromOrigin, bytesFromOrigin, dropped);
    }

    /** Closes the upstream socket; idempotent. The handler is not called back. */
    public void close() {
        worker.closeLeg(this, null);
    }

    boolean markClosed() {
        if (!open) {
            return false;
        }
        open = false;
        socket.close();
        return true;
    }

    @Override
    public String toString() {
        return "RelayLeg{" + client + " -> " + upstream + (open ? "" : " closed") + "}";
    }
}
