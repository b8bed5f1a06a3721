package dev.originproxy.rtmp.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A read-only snapshot of one RTMP session, for views such as {@code /api/v1/sessions}.
 *
 * @param id the session id (as reported to the session lifecycle)
 * @param direction publish or play
 * @param streamKey the stream
 * @param originId the origin it is placed on, or null while placing
 * @param client the client's address
 * @param state {@code placing}, {@code connecting}, {@code relaying} or {@code ending}
 * @param startedAt when the client's {@code publish}/{@code play} arrived
 * @param bytesFromClient bytes read from the client
 * @param bytesFromOrigin bytes read from the origin
 * @param messagesFromClient messages relayed to the origin
 * @param messagesFromOrigin messages relayed to the client
 */
public record RtmpSessionView(String id, Direction direction, StreamKey streamKey, String originId,
                              InetSocketAddress client, String state, Instant startedAt, long bytesFromClient,
                              long bytesFromOrigin, long messagesFromClient, long messagesFromOrigin) {
}
