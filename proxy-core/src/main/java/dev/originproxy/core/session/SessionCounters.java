package dev.originproxy.core.session;

/**
 * Packet and byte counts of one session at its end (or a live snapshot), per direction, and the
 * packets dropped for it. Immutable.
 *
 * @param packetsFromClient packets the client sent toward the origin
 * @param bytesFromClient bytes the client sent toward the origin
 * @param packetsFromOrigin packets the origin sent toward the client
 * @param bytesFromOrigin bytes the origin sent toward the client
 * @param dropped packets dropped for this session (unauthenticated, send failures)
 */
public record SessionCounters(long packetsFromClient, long bytesFromClient, long packetsFromOrigin,
                              long bytesFromOrigin, long dropped) {
    /** No traffic. */
    public static final SessionCounters ZERO = new SessionCounters(0, 0, 0, 0, 0);

    /** The sum of two snapshots (a session's legs). */
    public SessionCounters plus(SessionCounters o) {
        return new SessionCounters(packetsFromClient + o.packetsFromClient, bytesFromClient + o.bytesFromClient,
                packetsFromOrigin + o.packetsFromOrigin, bytesFromOrigin + o.bytesFromOrigin, dropped + o.dropped);
    }
}
