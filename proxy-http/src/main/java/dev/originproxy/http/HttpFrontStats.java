package dev.originproxy.http;

import java.util.Map;

/**
 * A snapshot of an {@link HttpFront}'s counters (read racily; each value is exact on its own).
 *
 * @param requests complete request heads received
 * @param refusals request heads refused, per reason (e.g. {@code OBS_FOLD}, {@code HEAD_TOO_LARGE})
 * @param headTimeouts connections answered 408 because their head did not arrive in time
 * @param responses2xx responses with a 2xx status (relayed ones included)
 * @param responses4xx responses with a 4xx status
 * @param responses5xx responses with a 5xx status
 * @param relays relays of origin answers ended, per outcome (e.g. {@code CLIENT_TOO_SLOW})
 * @param openConnections client and origin connections open now
 * @param bufferedBytes bytes queued for slow readers right now, over all connections
 * @param bytesOut bytes written to all sockets
 */
public record HttpFrontStats(long requests, Map<String, Long> refusals, long headTimeouts, long responses2xx,
                             long responses4xx, long responses5xx, Map<String, Long> relays, int openConnections,
                             long bufferedBytes, long bytesOut) {
    /** Copies the maps. */
    public HttpFrontStats {
        refusals = Map.copyOf(refusals);
        relays = Map.copyOf(relays);
    }
}
