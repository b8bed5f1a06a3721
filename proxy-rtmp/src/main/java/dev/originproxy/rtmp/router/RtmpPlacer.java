package dev.originproxy.rtmp.router;

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

import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;

/**
 * Places a session off the event loop through the router's
 * {@link dev.originproxy.core.loop.OffLoop}: picks the origin (the balancer may block on Redis),
 * resolves its RTMP address (may be a DNS lookup) and asks the lifecycle's {@code onStart} (a host
 * callback that may refuse), then resumes on the session's worker with the origin dialog or a
 * refusal for the client.
 *
 * <p>A session that ends first has its placement cancelled; an {@code onStart} that raced with
 * the end is answered by an {@code onEnd} here (the lifecycle state decides who reports it).
 *
 * <p>Threading: {@link #place} on the session's worker; the work on a helper thread.
 */
final class RtmpPlacer {
    /** Where the session goes. */
    record Placed(String originId, InetSocketAddress address) {
    }

    /** Why placement failed: what to count and tell the client. */
    static final class PlacementFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final RtmpDropReason reason;

        PlacementFailed(RtmpDropReason reason, String why) {
            super(why, null, false, false);
            this.reason = reason;
        }
    }

    private static final Set<OriginProtocol> RTMP_ONLY = EnumSet.of(OriginProtocol.RTMP);

    private RtmpPlacer() {
    }

    /** On the worker: starts placing {@code s}; the result continues on this worker. */
    static void place(RtmpSession s) {
        s.placing = s.ctx.offLoop.submit(s.client.worker(), () -> pick(s), (placed, failure) -> resume(s, placed, failure));
    }

    /**
     * On the worker: the origin of a session refused its connection (or did not take it in
     * time). Marks it suspect (off the loop, before picking) and places the session once more;
     * {@code onStart} is not asked again.
     */
    static void replace(RtmpSession s, String goneOriginId, String why) {
        s.phase = RtmpSession.Phase.PLACING;
        s.placing = s.ctx.offLoop.submit(s.client.worker(), () -> {
            s.ctx.health.suspectNow(goneOriginId, why);
            return pickOrigin(s);
        }, (placed, failure) -> resume(s, placed, failure));
    }

    /** On the worker: the placement's outcome. */
    private static void resume(RtmpSession s, Placed placed, Throwable failure) {
        if (failure instanceof EventLoopGoneException) {
            return; // the worker closed: it ended its sessions; pick() answered any late onStart
        }
        s.placing = null;
        if (s.phase != RtmpSession.Phase.PLACING) {
            return;
        }
        if (failure instanceof PlacementFailed) {
            PlacementFailed f = (PlacementFailed) failure;
            boolean refused = f.reason == RtmpDropReason.REFUSED;
            s.refuse(f.reason, refused ? EndReason.REFUSED : EndReason.ORIGIN_GONE,
                    refused ? s.refusedCode() : s.failedCode(), f.getMessage());
        } else if (failure instanceof RejectedExecutionException) {
            s.refuse(RtmpDropReason.NO_ORIGIN, EndReason.ERROR, s.failedCode(), "placement refused: " + failure.getMessage());
        } else if (failure != null) {
            s.refuse(RtmpDropReason.NO_ORIGIN, EndReason.ERROR, s.failedCode(), "placement failed: " + failure);
        } else {
            s.originId = placed.originId();
            s.phase = RtmpSession.Phase.CONNECTING;
            s.dialog.connect(placed.address());
        }
    }

    /** Off the loop: balancer and address. */
    private static Placed pickOrigin(RtmpSession s) throws PlacementFailed {
        OriginServer origin;
        try {
            origin = s.ctx.placement.pick(s.streamKey, RTMP_ONLY);
        } catch (NoOriginAvailableException | BalancerUnavailableException e) {
            throw new PlacementFailed(RtmpDropReason.NO_ORIGIN, e.getMessage());
        }
        Optional<InetSocketAddress> a = origin.address(OriginProtocol.RTMP, OriginEndpoint.Transport.TCP);
        if (a.isEmpty()) {
            throw new PlacementFailed(RtmpDropReason.NO_ORIGIN, "origin " + origin.id() + " announces no RTMP endpoint");
        }
        InetSocketAddress address = a.get();
        if (address.isUnresolved()) {
            address = new InetSocketAddress(address.getHostString(), address.getPort()); // DNS, off the loop
            if (address.isUnresolved()) {
                throw new PlacementFailed(RtmpDropReason.NO_ORIGIN,
                        "origin " + origin.id() + " RTMP host " + address.getHostString() + " does not resolve");
            }
        }
        return new Placed(origin.id(), address);
    }

    /** Off the loop: balancer, address, {@code onStart}. */
    private static Placed pick(RtmpSession s) throws PlacementFailed {
        Placed placed = pickOrigin(s);
        if (s.lifecycleState.get() != RtmpSession.LIFECYCLE_NEW) {
            throw new PlacementFailed(RtmpDropReason.CLOSED_DURING_SETUP, "session ended while placing");
        }
        try {
            s.ctx.lifecycle.start(new SessionInfo(s.id, SessionProtocol.RTMP, s.direction, s.streamKey, placed.originId(),
                    s.client.remoteAddress(), s.startedAt));
        } catch (SessionRefusedException e) {
            throw new PlacementFailed(RtmpDropReason.REFUSED, e.getMessage());
        } catch (IllegalStateException e) {
            throw new PlacementFailed(RtmpDropReason.NO_ORIGIN, "lifecycle failed: " + e.getMessage());
        }
        if (!s.lifecycleState.compareAndSet(RtmpSession.LIFECYCLE_NEW, RtmpSession.LIFECYCLE_STARTED)) {
            // the worker ended the session while onStart ran: the end is ours to report
            EndReason reason = s.endReason;
            s.ctx.lifecycle.end(s.id, reason == null ? EndReason.CLIENT_CLOSED : reason, SessionCounters.ZERO);
            throw new PlacementFailed(RtmpDropReason.CLOSED_DURING_SETUP, "session ended while placing");
        }
        return placed;
    }
}
