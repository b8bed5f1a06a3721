package dev.originproxy.srt.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.api.LogThrottle;
import dev.originproxy.core.api.Redaction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.RelayHandler;
import dev.originproxy.core.relay.RelayLeg;
import dev.originproxy.core.relay.RelayWorker;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.SrtPacket;
import dev.originproxy.srt.SrtRejectCodes;
import dev.originproxy.srt.SrtRejectReason;
import dev.originproxy.srt.SrtStreamId;
import dev.originproxy.srt.SrtSynCookie;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.UUID;

/**
 * The SRT router's packet handler on one relay worker: tells callers' datagrams apart (relay,
 * INDUCTION, CONCLUSION, SHUTDOWN), answers INDUCTIONs itself with a SYN cookie, admits
 * CONCLUSIONs into sessions (placed by {@link SessionPlacer}, handshaken with the origin by
 * {@link OriginHandshake}), relays established sessions both ways unchanged, and ends sessions
 * exactly once.
 *
 * <p>A SHUTDOWN (§3.2.7) ends a session only when it is addressed to the right socket: from the
 * caller, the origin's socket id (0 while the handshake is still running, when the caller knows
 * no peer id); from the origin, the caller's socket id. Anything else is dropped and counted
 * {@link DropReason#UNAUTHENTICATED}.
 *
 * <p>Threading: one per worker; every field is confined to that worker's thread.
 */
final class SrtWorkerHandler implements RelayHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SrtWorkerHandler.class);
    private static final int OUT_BUFFER = 1500;

    final RelayWorker worker;
    final OriginHandshake handshake;
    private final SrtRouterContext ctx;
    private final SessionPlacer placer;
    private final HashMap<InetSocketAddress, SrtSession> byCaller = new HashMap<>();
    private final SrtPacket packet = new SrtPacket();
    private final SrtHandshake hs = new SrtHandshake();
    private final SrtHandshake scratch = new SrtHandshake();
    private final ByteBuffer out = ByteBuffer.allocate(OUT_BUFFER);
    private final SrtSynCookie cookies;
    /** Rejection log lines carry caller-chosen text: rate-limited per source. */
    private final LogThrottle rejectLog = new LogThrottle();
    private static final long GONE_SCAN_NANOS = 250_000_000L;
    private long nextGoneScanNanos;

    SrtWorkerHandler(SrtRouterContext ctx, RelayWorker worker) {
        this.ctx = ctx;
        this.worker = worker;
        this.cookies = SrtSynCookie.builder().secret(ctx.cookieSecret).build();
        this.handshake = new OriginHandshake(ctx, this);
        this.placer = new SessionPlacer(ctx, this);
    }

    // ---- from callers -------------------------------------------------------------------

    @Override
    public void onClientPacket(ByteBuffer buf, InetSocketAddress from) {
        int length = buf.remaining();
        if (!packet.wrap(buf, 0, length)) {
            worker.countDrop(DropReason.MALFORMED);
            return;
        }
        SrtSession s = byCaller.get(from);
        if (s != null && s.state == SrtSessionState.ESTABLISHED) {
            // the hot path: relay unchanged, look only at the control type
            if (packet.isControl()) {
                int type = packet.controlType();
                if (type == SrtPacket.CONTROL_HANDSHAKE) {
                    onCallerHandshake(buf, length, from, s);
                    return;
                }
                if (type == SrtPacket.CONTROL_SHUTDOWN) {
                    if (packet.destinationSocketId() != s.originSocketId) {
                        worker.countDrop(DropReason.UNAUTHENTICATED); // not this session's socket
                        return;
                    }
                    s.leg.sendUpstream(buf);
                    end(s, EndReason.CLIENT_CLOSED);
                    return;
                }
            }
            s.leg.sendUpstream(buf);
            return;
        }
        if (!packet.isHandshake()) {
            if (s != null && packet.isControl() && packet.controlType() == SrtPacket.CONTROL_SHUTDOWN) {
                if (packet.destinationSocketId() != 0) {
                    worker.countDrop(DropReason.UNAUTHENTICATED);
                    return;
                }
                end(s, EndReason.CLIENT_CLOSED); // the caller gave up during the handshake
                return;
            }
            worker.countDrop(s == null ? DropReason.UNKNOWN_SESSION : DropReason.PENDING);
            return;
        }
        onCallerHandshake(buf, length, from, s);
    }

    private void onCallerHandshake(ByteBuffer buf, int length, InetSocketAddress from, SrtSession s) {
        if (!hs.wrap(buf, 0, length)) {
            worker.countDrop(DropReason.MALFORMED);
            return;
        }
        int type = hs.handshakeType();
        if (type == SrtHandshake.TYPE_INDUCTION) {
            answerInduction(from);
        } else if (type == SrtHandshake.TYPE_CONCLUSION) {
            if (s != null && hs.srtSocketId() == s.callerSocketId) {
                if (s.answer != null) {
                    s.answer.rewind();
                    ctx.conclusionsReplayed.incrementAndGet(); // counted first: a test may read it on receipt
                    worker.sendToClient(s.answer, from);
                } else {
                    worker.countDrop(DropReason.PENDING); // the origin has not answered yet
                }
                return;
            }
            onConclusion(buf, length, from, s);
        } else if (type == SrtHandshake.TYPE_WAVEAHAND || type == SrtHandshake.TYPE_AGREEMENT) {
            worker.countDrop(DropReason.UNSUPPORTED);
        } else {
            worker.countDrop(s == null ? DropReason.UNKNOWN_SESSION : DropReason.UNSUPPORTED);
        }
    }

    /** §4.3.1.1: the listener's answer, from the proxy itself; no state. */
    private void answerInduction(InetSocketAddress from) {
        byte[] ip = from.getAddress().getAddress();
        int cookie = cookies.issue(ip, from.getPort());
        out.clear();
        int n = hs.writeInductionResponse(out, 0, out.capacity(), cookie, ctx.advertisedKeyLength, ip,
                ctx.timestamp(worker.nanoTime()));
        if (n < 0) {
            worker.countDrop(DropReason.MALFORMED);
            return;
        }
        out.limit(n);
        ctx.inductionsAnswered.incrementAndGet();
        worker.sendToClient(out, from);
    }

    /** §4.3.1.2: a caller's first CONCLUSION from this address (or from a new socket on it). */
    private void onConclusion(ByteBuffer buf, int length, InetSocketAddress from, SrtSession previous) {
        byte[] ip = from.getAddress().getAddress();
        if (!cookies.verify(ip, from.getPort(), hs.synCookie())) {
            worker.countDrop(DropReason.UNAUTHENTICATED);
            return;
        }
        if (length > SrtRouterContext.MAX_CONCLUSION) {
            worker.countDrop(DropReason.MALFORMED);
            rejectRequest(from, SrtRejectCodes.BAD_REQUEST, "conclusion of " + length + " bytes is above the MTU");
            return;
        }
        if (previous != null) {
            // a new SRT socket on the same address and port: the old one is gone, and so is its placement
            end(previous, EndReason.CLIENT_CLOSED);
        }
        if (ctx.closing) {
            worker.countDrop(DropReason.LIMIT);
            return;
        }
        String text = hs.streamId();
        StreamKey stream;
        Direction direction;
        try {
            SrtStreamId sid = SrtStreamId.parse(text);
            if (sid.isEmpty()) {
                if (ctx.defaultStream == null) {
                    rejectRequest(from, SrtRejectCodes.BAD_REQUEST, "no stream id");
                    return;
                }
                stream = ctx.defaultStream;
                direction = ctx.defaultDirection;
            } else {
                stream = sid.toStreamKey();
                direction = sid.mode() == SrtStreamId.Mode.REQUEST ? Direction.PLAY : Direction.PUBLISH;
            }
        } catch (IllegalArgumentException e) { // InvalidStreamKeyException and its kin
            rejectRequest(from, SrtRejectCodes.BAD_REQUEST, e.getMessage());
            return;
        }
        if (ctx.sessionCount.incrementAndGet() > ctx.maxSessions) {
            ctx.sessionCount.decrementAndGet();
            worker.countDrop(DropReason.LIMIT);
            rejectRequest(from, SrtRejectReason.BACKLOG.code(), "session limit " + ctx.maxSessions);
            return;
        }
        byte[] copy = new byte[length]; // bounded by MAX_CONCLUSION: replayed to the origin, nothing more kept
        buf.get(0, copy);
        long now = worker.nanoTime();
        SrtSession s = new SrtSession("srt-" + UUID.randomUUID(), this, from, ip, hs.srtSocketId(),
                hs.synCookie(), copy, text == null ? "" : text, stream, direction, now + ctx.handshakeTimeoutNanos);
        byCaller.put(from, s);
        handshake.track(s);
        ctx.sessions.put(s.id, s);
        placer.place(s);
    }

    /** Answers the CONCLUSION wrapped in {@link #hs} with a rejection; no session exists. */
    private void rejectRequest(InetSocketAddress to, int reasonCode, String why) {
        ctx.handshakesRejected.incrementAndGet();
        out.clear();
        int n = hs.writeRejection(out, 0, out.capacity(), reasonCode, hs.srtSocketId(),
                ctx.timestamp(worker.nanoTime()));
        if (n > 0) {
            out.limit(n);
            worker.sendToClient(out, to);
        }
        // the reason quotes the caller's stream id: one line, bounded, a few lines per source a minute
        if (rejectLog.allow(to.getAddress())) {
            LOG.info("srt conclusion from {} rejected ({}): {}", to, reasonCode, Redaction.oneLine(why, 160));
        }
    }

    // ---- from origins -------------------------------------------------------------------

    @Override
    public void onUpstreamPacket(RelayLeg leg, ByteBuffer buf) {
        SrtSession s = (SrtSession) leg.attachment();
        int length = buf.remaining();
        if (s.state == SrtSessionState.ESTABLISHED) {
            boolean shutdown = packet.wrap(buf, 0, length) && packet.isControl()
                    && packet.controlType() == SrtPacket.CONTROL_SHUTDOWN;
            if (shutdown && packet.destinationSocketId() != s.callerSocketId) {
                worker.countDrop(DropReason.UNAUTHENTICATED); // not addressed to this session's caller
                return;
            }
            leg.sendToClient(buf);
            if (shutdown) {
                end(s, EndReason.ORIGIN_CLOSED);
            }
            return;
        }
        handshake.onOriginPacket(s, leg, buf, length);
    }

    // ---- failures and ends --------------------------------------------------------------

    @Override
    public void onTick(long now) {
        handshake.onTick(now);
        if (ctx.health != null && now - nextGoneScanNanos >= 0) {
            nextGoneScanNanos = now + GONE_SCAN_NANOS;
            endSessionsOfGoneOrigins(now);
        }
    }

    /**
     * The origin's socket refused a datagram (ICMP port unreachable): report the origin; a session
     * still handshaking is placed once more (on a live origin), an established one ends when the
     * origin stays silent (see {@link #endSessionsOfGoneOrigins}).
     */
    @Override
    public void onUpstreamUnreachable(RelayLeg leg) {
        Object a = leg.attachment();
        if (!(a instanceof SrtSession)) {
            return;
        }
        SrtSession s = (SrtSession) a;
        ctx.reportOrigin(s.originId, "ICMP port unreachable from its SRT port " + leg.upstream());
        if (s.ended || s.state == SrtSessionState.ESTABLISHED || s.replaced || ctx.health == null) {
            return;
        }
        s.replaced = true;
        LOG.info("srt session {} from {}: origin {} refused the handshake; placing it again", s.id, s.caller,
                s.originId);
        s.leg = null;
        s.toOrigin = null;
        s.state = SrtSessionState.PLACING;
        leg.close();
        placer.replace(s, s.originId);
    }

    /** Established sessions whose origin is suspect and silent for the grace end with ORIGIN_GONE. */
    private void endSessionsOfGoneOrigins(long now) {
        ArrayList<SrtSession> gone = null;
        for (SrtSession s : byCaller.values()) {
            RelayLeg leg = s.leg;
            if (s.state == SrtSessionState.ESTABLISHED && leg != null && ctx.suspect(s.originId)
                    && now - leg.lastFromOriginNanos() > ctx.originGoneNanos) {
                if (gone == null) {
                    gone = new ArrayList<>();
                }
                gone.add(s);
            }
        }
        if (gone == null) {
            return;
        }
        for (SrtSession s : gone) {
            LOG.info("srt session {} from {} for {} ended: origin {} is gone (suspect, silent for {} ms)", s.id,
                    s.caller, s.stream, s.originId, (now - s.leg.lastFromOriginNanos()) / 1_000_000);
            sendShutdown(s);
            end(s, EndReason.ORIGIN_GONE);
        }
    }

    /** A SHUTDOWN (§3.2.7) to the caller, so it reconnects at once instead of waiting for its timeout. */
    private void sendShutdown(SrtSession s) {
        out.clear();
        int n = SrtPacket.writeControlHeader(out, 0, out.capacity(), SrtPacket.CONTROL_SHUTDOWN, 0, 0,
                ctx.timestamp(worker.nanoTime()), s.callerSocketId);
        if (n > 0) {
            out.putInt(n, 0); // the control information field: 4 bytes, unused
            out.limit(n + 4);
            worker.sendToClient(out, s.caller);
        }
    }

    /** Answers the session's caller with a rejection built from its stored CONCLUSION. */
    void rejectSession(SrtSession s, int reasonCode) {
        if (!scratch.wrap(ByteBuffer.wrap(s.conclusion), 0, s.conclusion.length)) {
            return;
        }
        ctx.handshakesRejected.incrementAndGet();
        out.clear();
        int n = scratch.writeRejection(out, 0, out.capacity(), reasonCode, s.callerSocketId,
                ctx.timestamp(worker.nanoTime()));
        if (n > 0) {
            out.limit(n);
            worker.sendToClient(out, s.caller);
        }
    }

    /** Ends a handshaking session with a rejection the caller hears. */
    void fail(SrtSession s, int reasonCode, String why) {
        if (s.ended) {
            return;
        }
        if (rejectLog.allow(s.caller.getAddress())) {
            LOG.info("srt session {} from {} for {} rejected ({}): {}", s.id, s.caller, s.stream, reasonCode,
                    Redaction.oneLine(why, 160));
        }
        end(s, reasonCode == SrtRejectCodes.FORBIDDEN ? EndReason.REFUSED : EndReason.ORIGIN_GONE);
        rejectSession(s, reasonCode);
    }

    /** Ends a session once, on this worker: placement, maps, leg, lifecycle. */
    void end(SrtSession s, EndReason reason) {
        if (s.ended) {
            return;
        }
        s.ended = true;
        s.endReason = reason;
        placer.cancel(s);
        byCaller.remove(s.caller, s);
        handshake.forget(s);
        if (ctx.sessions.remove(s.id, s)) {
            ctx.sessionCount.decrementAndGet();
        }
        ctx.sessionsEnded.incrementAndGet();
        RelayLeg leg = s.leg;
        SessionCounters counters = leg == null ? SessionCounters.ZERO : leg.counters();
        if (leg != null) {
            leg.close();
        }
        s.toOrigin = null;
        if (s.lifecycleState.getAndSet(SrtSession.LIFECYCLE_ENDED) == SrtSession.LIFECYCLE_STARTED) {
            ctx.lifecycle.end(s.id, reason, counters);
        }
        LOG.debug("srt session {} from {} ended: {} {}", s.id, s.caller, reason, counters);
    }

    @Override
    public void onLegClosed(RelayLeg leg, EndReason reason) {
        Object a = leg.attachment();
        if (a instanceof SrtSession) {
            end((SrtSession) a, reason);
        }
    }

    @Override
    public void onClose() {
        for (SrtSession s : new ArrayList<>(byCaller.values())) {
            end(s, EndReason.PROXY_SHUTDOWN);
        }
        byCaller.clear();
        handshake.clear();
    }
}
