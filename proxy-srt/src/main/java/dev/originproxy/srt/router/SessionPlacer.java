package dev.originproxy.srt.router;

import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.NoOriginAvailableException;
import dev.originproxy.core.loop.EventLoopGoneException;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionRefusedException;
import dev.originproxy.srt.SrtRejectCodes;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

/**
 * Places a session off the event loop through the router's {@link dev.originproxy.core.loop.OffLoop}:
 * picks the origin (the balancer may block on Redis), resolves its SRT address (may be a DNS
 * lookup) and asks the lifecycle's {@code onStart} (a host callback), then resumes on the
 * session's worker with {@link OriginHandshake#placed} or a rejection.
 *
 * <p>A session that ends first (its caller opened a new socket, the deadline passed) has its
 * placement cancelled: waiting work never runs, a running one's result is discarded, and an
 * {@code onStart} that raced with the end is answered by an {@code onEnd} here.
 *
 * <p>Threading: {@link #place} on the session's worker; {@link #pick} on a helper thread.
 */
final class SessionPlacer {
    /** Where a session goes. */
    record Placed(String originId, InetSocketAddress address) {
    }

    /** Why a placement failed: the SRT rejection code for the caller and a one-line reason. */
    static final class PlacementFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        PlacementFailed(int code, String why) {
            super(why, null, false, false);
            this.code = code;
        }
    }

    private static final java.util.Set<OriginProtocol> SRT_ONLY = java.util.EnumSet.of(OriginProtocol.SRT);

    private final SrtRouterContext ctx;
    private final SrtWorkerHandler handler;

    SessionPlacer(SrtRouterContext ctx, SrtWorkerHandler handler) {
        this.ctx = ctx;
        this.handler = handler;
    }

    /** On the worker: starts placing {@code s}; the result continues on this worker. */
    void place(SrtSession s) {
        s.placing = ctx.offLoop.submit(handler.worker, () -> pick(s), (placed, failure) -> resume(s, placed, failure));
    }

    /** Back on the worker with a placement's outcome. */
    private void resume(SrtSession s, Placed placed, Throwable failure) {
        if (failure instanceof EventLoopGoneException) {
            return; // the worker closed: it ended its sessions, pick() answered any late onStart
        }
        s.placing = null;
        if (failure instanceof PlacementFailed) {
            handler.fail(s, ((PlacementFailed) failure).code, failure.getMessage());
        } else if (failure instanceof RejectedExecutionException) {
            handler.fail(s, SrtRejectCodes.DOWN, "placement refused: " + failure.getMessage());
        } else if (failure != null) {
            handler.fail(s, SrtRejectCodes.INTERNAL_SERVER_ERROR, "placement failed: " + failure);
        } else {
            handler.handshake.placed(s, placed);
        }
    }

    /**
     * On the worker: the origin of a handshaking session refused its datagrams (ICMP port
     * unreachable). Marks it suspect in the registry (off the loop, before picking) and places the
     * session once more; {@code onStart} is not asked again.
     */
    void replace(SrtSession s, String goneOriginId) {
        s.placing = ctx.offLoop.submit(handler.worker, () -> {
            if (ctx.health != null) {
                ctx.health.suspectNow(goneOriginId, "its SRT port refused the handshake (ICMP port unreachable)");
            }
            return pickOrigin(s);
        }, (placed, failure) -> resume(s, placed, failure));
    }

    /** Cancels the placement of a session that ended; counted when it was still pending. */
    void cancel(SrtSession s) {
        if (s.placing != null && s.placing.cancel()) {
            ctx.placementsCancelled.incrementAndGet();
        }
        s.placing = null;
    }

    /** Off the loop: balancer, address, {@code onStart}. */
    private Placed pick(SrtSession s) throws PlacementFailed {
        Placed placed = pickOrigin(s);
        if (s.lifecycleState.get() != SrtSession.LIFECYCLE_NEW) {
            throw new PlacementFailed(SrtRejectCodes.DOWN, "session ended while placing");
        }
        try {
            ctx.lifecycle.start(new SessionInfo(s.id, SessionProtocol.SRT, s.direction, s.stream, placed.originId(),
                    s.caller, s.startedAt));
        } catch (SessionRefusedException e) {
            throw new PlacementFailed(SrtRejectCodes.FORBIDDEN, "refused: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new PlacementFailed(SrtRejectCodes.INTERNAL_SERVER_ERROR, "lifecycle failed: " + e);
        }
        if (!s.lifecycleState.compareAndSet(SrtSession.LIFECYCLE_NEW, SrtSession.LIFECYCLE_STARTED)) {
            // the worker ended the session while onStart ran: the end is ours to report
            EndReason reason = s.endReason;
            ctx.lifecycle.end(s.id, reason == null ? EndReason.CLIENT_CLOSED : reason, SessionCounters.ZERO);
            throw new PlacementFailed(SrtRejectCodes.DOWN, "session ended while placing");
        }
        return placed;
    }

    /** Off the loop: the balancer's pick for SRT and the origin's SRT address. */
    private Placed pickOrigin(SrtSession s) throws PlacementFailed {
        OriginServer origin;
        try {
            origin = ctx.placement.pick(s.stream, SRT_ONLY);
        } catch (NoOriginAvailableException | BalancerUnavailableException e) {
            throw new PlacementFailed(SrtRejectCodes.DOWN, e.getMessage());
        }
        Optional<InetSocketAddress> a = origin.address(OriginProtocol.SRT, OriginEndpoint.Transport.UDP);
        if (a.isEmpty() || a.get().isUnresolved()) {
            throw new PlacementFailed(SrtRejectCodes.BAD_GATEWAY,
                    "origin " + origin.id() + " announces no usable SRT endpoint");
        }
        return new Placed(origin.id(), a.get());
    }
}
