package dev.originproxy.srt.router;

import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.RelayLeg;
import dev.originproxy.core.relay.RelayLimitException;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.SrtRejectCodes;
import dev.originproxy.srt.SrtRejectReason;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;

/**
 * The proxy's side of the caller-listener handshake towards the origin
 * ({@code draft-sharabayko-srt} §4.3.1), once a session is placed: opens the session's leg, sends
 * the origin an INDUCTION built by the codec from the caller's CONCLUSION, replays that
 * CONCLUSION under the origin's cookie, and hands the origin's answer (acceptance or rejection)
 * to the caller under the caller's cookie. Unanswered packets are retransmitted every
 * retransmit interval; a session not established by its deadline is rejected with
 * {@link SrtRejectReason#TIMEOUT}. A non-blocking state machine: one slow origin never delays
 * another caller.
 *
 * <p>Threading: confined to one worker's thread.
 */
final class OriginHandshake {
    private static final Logger LOG = LoggerFactory.getLogger(OriginHandshake.class);

    private final SrtRouterContext ctx;
    private final SrtWorkerHandler handler;
    private final ArrayList<SrtSession> handshaking = new ArrayList<>();
    private final SrtHandshake hs = new SrtHandshake();
    private final SrtHandshake scratch = new SrtHandshake();

    OriginHandshake(SrtRouterContext ctx, SrtWorkerHandler handler) {
        this.ctx = ctx;
        this.handler = handler;
    }

    /** A new session waits for placement and the origin, until its deadline. */
    void track(SrtSession s) {
        handshaking.add(s);
    }

    /** The session ended or was established: no more retransmissions or deadline. */
    void forget(SrtSession s) {
        handshaking.remove(s);
    }

    /** Back on the worker after placement: open the leg and start the origin handshake. */
    void placed(SrtSession s, SessionPlacer.Placed placed) {
        if (s.ended) {
            return;
        }
        if (ctx.closing) {
            handler.end(s, EndReason.PROXY_SHUTDOWN);
            return;
        }
        s.originId = placed.originId();
        s.origin = placed.address();
        RelayLeg leg;
        try {
            leg = handler.worker.openLeg(s.caller, placed.address(), s);
        } catch (RelayLimitException e) {
            handler.fail(s, SrtRejectReason.BACKLOG.code(), e.getMessage());
            return;
        } catch (IOException | RuntimeException e) {
            handler.fail(s, SrtRejectCodes.BAD_GATEWAY, "cannot open a socket to " + placed.address() + ": " + e);
            return;
        }
        s.leg = leg;
        ByteBuffer induction = ByteBuffer.allocate(SrtHandshake.LENGTH);
        if (!scratch.wrap(ByteBuffer.wrap(s.conclusion), 0, s.conclusion.length)
                || scratch.writeInductionRequest(induction, 0, SrtHandshake.LENGTH,
                        placed.address().getAddress().getAddress(), ctx.timestamp(handler.worker.nanoTime())) < 0) {
            handler.fail(s, SrtRejectCodes.INTERNAL_SERVER_ERROR, "stored conclusion does not wrap");
            return;
        }
        s.state = SrtSessionState.ORIGIN_INDUCTION;
        sendToOrigin(s, induction);
    }

    private void sendToOrigin(SrtSession s, ByteBuffer handshake) {
        s.toOrigin = handshake;
        handshake.rewind();
        s.leg.sendUpstream(handshake);
        s.nextRetransmitNanos = handler.worker.nanoTime() + ctx.retransmitNanos;
    }

    /** A datagram from the origin before the session is established. */
    void onOriginPacket(SrtSession s, RelayLeg leg, ByteBuffer buf, int length) {
        if (s.ended || !hs.wrap(buf, 0, length)) {
            handler.worker.countDrop(s.ended ? DropReason.UNKNOWN_SESSION : DropReason.MALFORMED);
            return;
        }
        int type = hs.handshakeType();
        if (hs.isRejection()) {
            // forwarded as the origin wrote it, with the caller's own cookie and, in the peer-IP
            // field, the caller's address instead of the origin's (issue 12: no origin address
            // in what a client receives)
            ByteBuffer copy = copyOf(buf, length);
            scratch.wrap(copy, 0, length);
            scratch.setSynCookie(s.callerCookie);
            scratch.setPeerIp(s.callerIp);
            copy.rewind();
            ctx.handshakesRejected.incrementAndGet();
            LOG.info("srt session {} from {} rejected by origin {}: reason {}", s.id, s.caller, s.originId,
                    hs.rejectReasonCode());
            handler.end(s, EndReason.ORIGIN_REJECTED); // first: nothing is left once the caller hears of it
            handler.worker.sendToClient(copy, s.caller);
        } else if (s.state == SrtSessionState.ORIGIN_INDUCTION && type == SrtHandshake.TYPE_INDUCTION
                && hs.synCookie() != 0) {
            ByteBuffer conclusion = ByteBuffer.allocate(s.conclusion.length);
            conclusion.put(0, s.conclusion);
            scratch.wrap(conclusion, 0, s.conclusion.length);
            scratch.setSynCookie(hs.synCookie());
            scratch.setPeerIp(s.origin.getAddress().getAddress());
            scratch.setTimestamp(ctx.timestamp(handler.worker.nanoTime()));
            s.state = SrtSessionState.ORIGIN_CONCLUSION;
            sendToOrigin(s, conclusion);
        } else if (s.state == SrtSessionState.ORIGIN_CONCLUSION && type == SrtHandshake.TYPE_CONCLUSION) {
            ByteBuffer answer = copyOf(buf, length);
            scratch.wrap(answer, 0, length);
            scratch.setSynCookie(s.callerCookie);
            scratch.setPeerIp(s.callerIp);
            s.answer = answer;
            s.originSocketId = hs.srtSocketId();
            s.toOrigin = null;
            s.state = SrtSessionState.ESTABLISHED;
            handshaking.remove(s);
            answer.rewind();
            ctx.handshakesCompleted.incrementAndGet();
            leg.sendToClient(answer);
            LOG.debug("srt session {} established: {} {} {} via origin {} {}", s.id, s.caller, s.direction,
                    s.stream, s.originId, s.origin);
        } else {
            handler.worker.countDrop(DropReason.PENDING); // a late duplicate of an earlier step
        }
    }

    private static ByteBuffer copyOf(ByteBuffer buf, int length) {
        ByteBuffer copy = ByteBuffer.allocate(length);
        copy.put(0, buf, 0, length);
        return copy;
    }

    /** Retransmissions and deadlines. */
    void onTick(long now) {
        for (int i = handshaking.size() - 1; i >= 0; i--) {
            if (i >= handshaking.size()) {
                continue;
            }
            SrtSession s = handshaking.get(i);
            if (now - s.deadlineNanos >= 0) {
                ctx.handshakeTimeouts.incrementAndGet();
                LOG.info("srt session {} from {}: origin {} {} did not finish the handshake in time",
                        s.id, s.caller, s.originId, s.origin);
                if (s.leg != null) {
                    ctx.reportOrigin(s.originId, "it did not finish an SRT handshake in time");
                }
                handler.end(s, EndReason.HANDSHAKE_TIMEOUT);
                handler.rejectSession(s, SrtRejectReason.TIMEOUT.code());
            } else if (s.toOrigin != null && s.leg != null && now - s.nextRetransmitNanos >= 0) {
                s.toOrigin.rewind();
                s.leg.sendUpstream(s.toOrigin);
                s.nextRetransmitNanos = now + ctx.retransmitNanos;
            }
        }
    }

    /** The worker is closing. */
    void clear() {
        handshaking.clear();
    }
}
