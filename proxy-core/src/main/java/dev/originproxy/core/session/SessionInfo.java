package dev.originproxy.core.session;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * What listeners learn of a session: its id, protocol, direction, stream, origin, the client's
 * address when known, and when it started. Immutable and thread-safe.
 */
public final class SessionInfo {
    private final String id;
    private final SessionProtocol protocol;
    private final Direction direction;
    private final StreamKey streamKey;
    private final String originId;
    private final InetSocketAddress clientAddress;
    private final Instant startedAt;

    /**
     * @param id unique among live sessions of one lifecycle registry
     * @param originId the origin chosen for it, or null before placement
     * @param clientAddress the client's address, or null when not known yet
     */
    public SessionInfo(String id, SessionProtocol protocol, Direction direction, StreamKey streamKey,
                       String originId, InetSocketAddress clientAddress, Instant startedAt) {
        this.id = Objects.requireNonNull(id, "id");
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.direction = Objects.requireNonNull(direction, "direction");
        this.streamKey = Objects.requireNonNull(streamKey, "streamKey");
        this.originId = originId;
        this.clientAddress = clientAddress;
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
    }

    /** The session's id. */
    public String id() {
        return id;
    }

    /** WebRTC or SRT. */
    public SessionProtocol protocol() {
        return protocol;
    }

    /** Publish or play. */
    public Direction direction() {
        return direction;
    }

    /** The stream. */
    public StreamKey streamKey() {
        return streamKey;
    }

    /** The origin's id, or null. */
    public String originId() {
        return originId;
    }

    /** The client's address, or null. */
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    /** When it started. */
    public Instant startedAt() {
        return startedAt;
    }

    @Override
    public String toString() {
        // a WebRTC session id is the client's DELETE capability: logs show its non-secret name
        return protocol + " " + direction + " " + streamKey + " id="
                + (protocol == SessionProtocol.WEBRTC ? dev.originproxy.core.balancer.WebRtcSession.publicIdOf(id) : id)
                + (originId == null ? "" : " origin=" + originId)
                + (clientAddress == null ? "" : " client=" + clientAddress);
    }
}
