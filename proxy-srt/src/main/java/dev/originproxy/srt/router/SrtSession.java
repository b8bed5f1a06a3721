package dev.originproxy.srt.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.loop.OffLoopTask;
import dev.originproxy.core.relay.RelayLeg;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One caller's session: the caller's CONCLUSION as received, the handshake replayed to the
 * origin, the cached answer, and the leg (one stable upstream socket) once the origin is known.
 *
 * <p>Owned by one worker: mutable fields are written only on that worker's thread; the volatile
 * ones are also read by {@link SrtRouter#sessions()} from other threads. {@link #lifecycleState}
 * is the one field placement (off the loop) and the worker both change: whoever moves it second
 * reports the end, so {@code onEnd} follows an accepted {@code onStart} exactly once.
 */
final class SrtSession {
    static final int LIFECYCLE_NEW = 0;
    static final int LIFECYCLE_STARTED = 1;
    static final int LIFECYCLE_ENDED = 2;

    final String id;
    final SrtWorkerHandler owner;
    final InetSocketAddress caller;
    final byte[] callerIp;
    final int callerSocketId;
    final int callerCookie;
    final byte[] conclusion;
    final String streamId;
    final StreamKey stream;
    final Direction direction;
    final Instant startedAt;
    final long deadlineNanos;

    volatile SrtSessionState state = SrtSessionState.PLACING;
    volatile String originId;
    volatile InetSocketAddress origin;
    volatile RelayLeg leg;
    volatile int originSocketId;

    /** The proxy's current handshake packet to the origin, retransmitted until answered. */
    ByteBuffer toOrigin;
    long nextRetransmitNanos;
    /** The origin's CONCLUSION answer as sent to the caller, replayed on a retransmitted CONCLUSION. */
    ByteBuffer answer;
    boolean ended;
    /** Whether the session was placed a second time after its first origin refused the handshake. */
    boolean replaced;
    /** Why the session ended (set before {@link #lifecycleState} moves to ENDED). */
    volatile EndReason endReason;
    final AtomicInteger lifecycleState = new AtomicInteger(LIFECYCLE_NEW);
    /** The placement running off the loop, cancelled when the session ends first. */
    OffLoopTask<?> placing;

    SrtSession(String id, SrtWorkerHandler owner, InetSocketAddress caller, byte[] callerIp,
               int callerSocketId, int callerCookie, byte[] conclusion, String streamId, StreamKey stream,
               Direction direction, long deadlineNanos) {
        this.id = id;
        this.owner = owner;
        this.caller = caller;
        this.callerIp = callerIp;
        this.callerSocketId = callerSocketId;
        this.callerCookie = callerCookie;
        this.conclusion = conclusion;
        this.streamId = streamId;
        this.stream = stream;
        this.direction = direction;
        this.startedAt = Instant.now();
        this.deadlineNanos = deadlineNanos;
    }

    SessionCounters counters() {
        RelayLeg l = leg;
        return l == null ? SessionCounters.ZERO : l.counters();
    }

    SrtSessionView view() {
        return new SrtSessionView(id, caller, callerSocketId, streamId, stream.toString(), direction, originId,
                origin, originSocketId, state, startedAt, counters());
    }
}
