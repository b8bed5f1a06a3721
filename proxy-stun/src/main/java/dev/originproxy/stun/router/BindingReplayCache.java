package dev.originproxy.stun.router;

import dev.originproxy.stun.StunMessage;

import java.net.InetSocketAddress;

/**
 * The transaction ids (RFC 8489 §6) of a session's recent binding requests and the client
 * address each came from. A binding request that carries valid MESSAGE-INTEGRITY proves only
 * that someone once had the bytes: replayed from another address it would make that address a
 * client leg of the session. A request whose transaction id was already seen from another
 * address is refused; a genuine new address (NAT rebinding, another candidate) always sends a
 * fresh transaction id.
 *
 * <p>A fixed ring of {@code capacity} entries, oldest overwritten; allocates nothing after
 * construction. Thread-safe (legs of one session live on different workers); only binding
 * requests touch it, never media.
 */
final class BindingReplayCache {
    private final byte[] ids;
    private final InetSocketAddress[] from;
    private int next;

    BindingReplayCache(int capacity) {
        this.ids = new byte[capacity * StunMessage.TRANSACTION_ID_LENGTH];
        this.from = new InetSocketAddress[capacity];
    }

    /** Records a binding request from {@code address} (a retransmission from it is a no-op). */
    synchronized void seen(StunMessage request, InetSocketAddress address) {
        int at = indexOf(request);
        if (at >= 0 && from[at].equals(address)) {
            return;
        }
        request.copyTransactionId(ids, next * StunMessage.TRANSACTION_ID_LENGTH);
        from[next] = address;
        next = (next + 1) % from.length;
    }

    /** Whether this request's transaction id was seen from an address other than {@code address}. */
    synchronized boolean seenElsewhere(StunMessage request, InetSocketAddress address) {
        for (int i = 0; i < from.length; i++) {
            if (from[i] != null && request.transactionIdEquals(ids, i * StunMessage.TRANSACTION_ID_LENGTH)
                    && !from[i].equals(address)) {
                return true;
            }
        }
        return false;
    }

    private int indexOf(StunMessage request) {
        for (int i = 0; i < from.length; i++) {
            if (from[i] != null && request.transactionIdEquals(ids, i * StunMessage.TRANSACTION_ID_LENGTH)) {
                return i;
            }
        }
        return -1;
    }
}
