package dev.originproxy.stun.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.session.SessionCounters;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A snapshot of one session the {@link WebRtcRouter} relays, for admin views and metrics.
 *
 * @param id a non-secret name of the session ({@code WebRtcSession.publicId()}), never the resource capability
 * @param username the ICE username
 * @param stream the canonical stream key
 * @param direction publish or play
 * @param originId the origin's id
 * @param originMediaAddress the origin's UDP media address
 * @param clients the client addresses (legs)
 * @param counters packets and bytes so far
 */
public record RtcSessionView(String id, String username, String stream, Direction direction, String originId,
                             InetSocketAddress originMediaAddress, List<InetSocketAddress> clients,
                             SessionCounters counters) {
}
