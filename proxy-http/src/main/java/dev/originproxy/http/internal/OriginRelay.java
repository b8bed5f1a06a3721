package dev.originproxy.http.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * What {@link HttpExchange#relay} needs: where the origin listens, the request head to send it
 * (see {@link OriginRequests#forward}), and who hears how the relay went.
 *
 * @param origin the origin's HTTP address (an IP literal from its registration; no DNS)
 * @param requestHead the complete request head bytes, CRLF CRLF included
 * @param listener told of the origin's status and of the end; never null
 */
public record OriginRelay(InetSocketAddress origin, ByteBuffer requestHead, RelayListener listener) {
    /** Checks the parts. */
    public OriginRelay {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(requestHead, "requestHead");
        Objects.requireNonNull(listener, "listener");
    }
}
