package dev.originproxy.rtmp.router;

import dev.originproxy.core.balancer.OriginHealth;
import dev.originproxy.core.balancer.StreamPlacement;
import dev.originproxy.core.loop.OffLoop;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.tcp.TcpWorker;
import dev.originproxy.rtmp.AmfFailure;
import dev.originproxy.rtmp.ChunkFailure;
import dev.originproxy.rtmp.ChunkStreamLimits;
import dev.originproxy.rtmp.FailureCounts;
import dev.originproxy.rtmp.HandshakeFailure;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What every session of one {@link RtmpRouter} shares: settings, the balancer's placement, the
 * lifecycle, the off-loop helper, the counters and the live sessions. Thread-safe (immutable
 * settings, concurrent maps and atomic counters); {@link #tools} is per worker.
 */
final class RtmpRouterContext {
    final StreamPlacement placement;
    final SessionLifecycle lifecycle;
    final OffLoop offLoop;
    final ChunkStreamLimits limits;
    final long setupTimeoutNanos;
    final long originSetupTimeoutNanos;
    final int clientChunkSize;
    final int originChunkSize;
    final int windowAckSize;
    final int maxSessions;
    final String idPrefix;
    /** Told when an origin could not be reached (connect refused or timed out); may be null. */
    final OriginHealth health;
    final FailureCounts<HandshakeFailure> handshakeFailures = new FailureCounts<>(HandshakeFailure.class);
    final FailureCounts<ChunkFailure> chunkFailures = new FailureCounts<>(ChunkFailure.class);
    final FailureCounts<AmfFailure> amfFailures = new FailureCounts<>(AmfFailure.class);
    final AtomicLongArray drops = new AtomicLongArray(RtmpDropReason.values().length);
    final AtomicLong sessionsStarted = new AtomicLong();
    final AtomicLong messagesFromClients = new AtomicLong();
    final AtomicLong messagesFromOrigins = new AtomicLong();
    final AtomicInteger sessionCount = new AtomicInteger();
    final ConcurrentHashMap<String, RtmpSession> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<TcpWorker, WorkerTools> tools = new ConcurrentHashMap<>();

    RtmpRouterContext(RtmpRouter.Builder b, OffLoop offLoop, String idPrefix) {
        this.placement = b.placement;
        this.lifecycle = b.lifecycle;
        this.offLoop = offLoop;
        this.limits = b.limits;
        this.setupTimeoutNanos = b.setupTimeout.toNanos();
        this.originSetupTimeoutNanos = b.originSetupTimeout.toNanos();
        this.clientChunkSize = b.clientChunkSize;
        this.originChunkSize = b.originChunkSize;
        this.windowAckSize = b.windowAckSize;
        this.maxSessions = b.maxSessions;
        this.health = b.originHealth;
        this.idPrefix = idPrefix;
    }

    /** The codec objects of {@code worker}'s thread. */
    WorkerTools tools(TcpWorker worker) {
        return tools.computeIfAbsent(worker,
                w -> new WorkerTools(handshakeFailures, amfFailures, limits.maxMessageSize()));
    }

    void drop(RtmpDropReason reason) {
        drops.incrementAndGet(reason.ordinal());
    }
}
