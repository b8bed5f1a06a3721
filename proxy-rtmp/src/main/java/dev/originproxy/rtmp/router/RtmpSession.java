package dev.originproxy.rtmp.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.loop.OffLoopTask;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.relay.api.TcpCloseReason;
import dev.originproxy.core.tcp.TcpConnection;
import dev.originproxy.core.tcp.TcpHandler;
import dev.originproxy.rtmp.ChunkStreamDecoder;
import dev.originproxy.rtmp.ChunkStreamEncoder;
import dev.originproxy.rtmp.RtmpControl;
import dev.originproxy.rtmp.RtmpHandshake;
import dev.originproxy.rtmp.RtmpMessage;
import dev.originproxy.rtmp.RtmpMessageHandler;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client connection of the RTMP router and, once the stream is known, its connection to the
 * origin: the {@link TcpHandler} of both. The client side is a small state machine (handshake,
 * commands answered by {@link ClientCommands}, placement by {@link RtmpPlacer}, the origin dialog
 * by {@link OriginDialog}, then the relay); the relay passes messages both ways with message
 * stream ids mapped, each direction re-chunked by its own encoder, acknowledgements per
 * connection, and backpressure: a side whose peer is not writable stops being read until the
 * peer drains.
 *
 * <p>Worker-thread only, except the fields read by views ({@link #view()}), which are volatile or
 * racy counters.
 */
final class RtmpSession implements TcpHandler {
    enum Phase { HANDSHAKE_C0C1, HANDSHAKE_C2, COMMANDS, PLACING, CONNECTING, RELAY, ENDED }

    static final int LIFECYCLE_NEW = 0;
    static final int LIFECYCLE_STARTED = 1;
    static final int LIFECYCLE_ENDED = 2;
    /** Chunk stream of the status messages this router writes to a client itself. */
    static final int STATUS_CHUNK_STREAM_ID = 5;

    final RtmpRouterContext ctx;
    final WorkerTools tools;
    final TcpConnection client;
    final ClientCommands commands;
    final OriginDialog dialog;
    final String id;
    final AtomicInteger lifecycleState = new AtomicInteger(LIFECYCLE_NEW);
    private final RtmpMessageHandler fromClient = this::onClientMessage;
    volatile Phase phase = Phase.HANDSHAKE_C0C1;
    ChunkStreamDecoder clientDecoder;
    ChunkStreamEncoder clientEncoder;
    // what publish/play named
    volatile Direction direction;
    volatile StreamKey streamKey;
    volatile Instant startedAt;
    volatile String originId;
    String streamName;
    int clientStreamId;
    OffLoopTask<?> placing;
    volatile EndReason endReason;
    volatile long messagesFromClient;
    volatile long messagesFromOrigin;
    /** Whether this session was placed once more after its first origin could not be reached. */
    boolean replaced;
    private boolean registered;
    private boolean dropCounted;

    RtmpSession(RtmpRouterContext ctx, WorkerTools tools, TcpConnection client) {
        this.ctx = ctx;
        this.tools = tools;
        this.client = client;
        this.id = ctx.idPrefix + Long.toString(client.id(), 36);
        this.commands = new ClientCommands(this);
        this.dialog = new OriginDialog(this);
    }

    // ------------------------------------------------------------------ engine callbacks

    @Override
    public void onOpen(TcpConnection c) {
        c.deadline(c.worker().nanoTime() + ctx.setupTimeoutNanos);
    }

    @Override
    public void onData(TcpConnection c, ByteBuffer data) {
        if (c == client) {
            onClientData(data);
        } else {
            dialog.onData(data);
        }
    }

    @Override
    public void onWritable(TcpConnection c) {
        if (phase != Phase.RELAY) {
            return;
        }
        if (c == dialog.connection()) {
            client.resumeRead();
        } else if (c == client) {
            TcpConnection o = dialog.connection();
            if (o != null) {
                o.resumeRead();
            }
        }
    }

    @Override
    public void onInputShutdown(TcpConnection c) {
        if (c == client) {
            if (phase.ordinal() < Phase.PLACING.ordinal()) {
                countDrop(phase == Phase.COMMANDS ? RtmpDropReason.CLOSED_DURING_SETUP
                        : c.bytesRead() == 0 ? RtmpDropReason.SILENT : RtmpDropReason.TRUNCATED_HANDSHAKE);
            }
            end(EndReason.CLIENT_CLOSED);
        } else {
            dialog.onOriginClosed(TcpCloseReason.CLOSED);
        }
    }

    @Override
    public void onClosed(TcpConnection c, TcpCloseReason reason) {
        if (c == client) {
            if (phase.ordinal() < Phase.PLACING.ordinal()) {
                countDrop(preSetupDrop(reason));
            }
            end(clientEndReason(reason));
        } else if (phase != Phase.ENDED) {
            dialog.onOriginClosed(reason);
        }
    }

    private RtmpDropReason preSetupDrop(TcpCloseReason reason) {
        boolean handshake = phase == Phase.HANDSHAKE_C0C1 || phase == Phase.HANDSHAKE_C2;
        if (reason == TcpCloseReason.DEADLINE || reason == TcpCloseReason.IDLE_TIMEOUT) {
            return client.bytesRead() == 0 ? RtmpDropReason.SILENT
                    : handshake ? RtmpDropReason.HANDSHAKE_TIMEOUT : RtmpDropReason.SETUP_TIMEOUT;
        }
        if (client.bytesRead() == 0) {
            return RtmpDropReason.SILENT;
        }
        return handshake ? RtmpDropReason.TRUNCATED_HANDSHAKE : RtmpDropReason.CLOSED_DURING_SETUP;
    }

    private static EndReason clientEndReason(TcpCloseReason reason) {
        switch (reason) {
            case IDLE_TIMEOUT:
                return EndReason.IDLE_TIMEOUT;
            case SHUTDOWN:
                return EndReason.PROXY_SHUTDOWN;
            case WRITE_STALL:
            case BUFFER_LIMIT:
            case INPUT_OVERFLOW:
            case HANDLER_ERROR:
                return EndReason.ERROR;
            default:
                return EndReason.CLIENT_CLOSED;
        }
    }

    // ------------------------------------------------------------------ client side

    private void onClientData(ByteBuffer data) {
        if (phase == Phase.HANDSHAKE_C0C1) {
            int pos = data.position();
            if (RtmpHandshake.checkVersionByte(data.get(pos)) != null) {
                data.position(data.limit());
                dropClient(RtmpDropReason.BAD_HANDSHAKE, true);
                return;
            }
            if (data.remaining() < RtmpHandshake.C0_C1_LENGTH) {
                return;
            }
            if (!tools.handshake.wrapWithVersionByte(data, pos, RtmpHandshake.C0_C1_LENGTH)) {
                data.position(data.limit());
                dropClient(RtmpDropReason.BAD_HANDSHAKE, true);
                return;
            }
            ByteBuffer out = tools.out(RtmpHandshake.S0_S1_S2_LENGTH);
            int n = tools.handshakeWriter.writeServerHello(tools.handshake, uptimeMillis(), out, 0,
                    RtmpHandshake.S0_S1_S2_LENGTH);
            data.position(pos + RtmpHandshake.C0_C1_LENGTH);
            phase = Phase.HANDSHAKE_C2;
            WorkerTools.flush(client, out, n);
        }
        if (phase == Phase.HANDSHAKE_C2) {
            if (data.remaining() < RtmpHandshake.PACKET_LENGTH) {
                return;
            }
            data.position(data.position() + RtmpHandshake.PACKET_LENGTH); // C2: nginx-rtmp does not check it either
            clientDecoder = new ChunkStreamDecoder(ctx.limits, ctx.chunkFailures);
            clientEncoder = new ChunkStreamEncoder();
            phase = Phase.COMMANDS;
        }
        if (phase == Phase.COMMANDS || phase == Phase.RELAY) {
            int n = clientDecoder.decode(data, data.position(), data.remaining(), fromClient);
            if (n < 0) {
                data.position(data.limit());
                if (phase == Phase.RELAY) {
                    end(EndReason.ERROR);
                } else {
                    dropClient(RtmpDropReason.PROTOCOL_ERROR, true);
                }
                return;
            }
            data.position(data.position() + n);
            acknowledgeIfDue(client, clientDecoder, clientEncoder);
        }
    }

    private boolean onClientMessage(RtmpMessage m) {
        Phase p = phase;
        if (p == Phase.ENDED) {
            return false;
        }
        switch (m.typeId()) {
            case RtmpMessage.TYPE_SET_CHUNK_SIZE:
            case RtmpMessage.TYPE_ABORT:
            case RtmpMessage.TYPE_ACKNOWLEDGEMENT:
            case RtmpMessage.TYPE_WINDOW_ACK_SIZE:
            case RtmpMessage.TYPE_SET_PEER_BANDWIDTH:
                return true; // per connection: the decoder applied what concerns it
            case RtmpMessage.TYPE_USER_CONTROL:
                return onClientUserControl(m);
            default:
                break;
        }
        if (p == Phase.COMMANDS) {
            return m.isCommand() ? commands.onCommand(m) : true; // media before publish: nothing to feed
        }
        if (p == Phase.RELAY) {
            if (m.isCommand() && commands.isDeleteStream(m)) {
                dialog.sendDeleteStream();
                return true;
            }
            return relayToOrigin(m);
        }
        return false;
    }

    private boolean onClientUserControl(RtmpMessage m) {
        int event = RtmpControl.userControlEvent(m);
        if (event == RtmpControl.EVENT_PING_REQUEST) {
            ByteBuffer out = tools.out(32);
            WorkerTools.flush(client, out, clientEncoder.writeUserControl(RtmpControl.EVENT_PING_RESPONSE,
                    (int) RtmpControl.userControlValue(m), out, 0, 32));
        } else if (event == RtmpControl.EVENT_SET_BUFFER_LENGTH) {
            long ms = RtmpControl.bufferLength(m);
            if (ms >= 0) {
                dialog.bufferLengthMillis = (int) ms;
                if (phase == Phase.RELAY) {
                    dialog.sendSetBufferLength();
                }
            }
        }
        return true;
    }

    private boolean relayToOrigin(RtmpMessage m) {
        TcpConnection o = dialog.connection();
        int msid = m.streamId() == clientStreamId ? dialog.originStreamId : m.streamId();
        m.set(m.chunkStreamId(), m.typeId(), msid, m.timestamp(), m.buffer(), m.offset(), m.length());
        if (!tools.send(o, dialog.encoder(), m)) {
            return false;
        }
        messagesFromClient++;
        ctx.messagesFromClients.incrementAndGet();
        if (!o.isWritable()) {
            client.suspendRead(); // resumed by onWritable(origin)
            return false;
        }
        return true;
    }

    /** Origin to client, stream id mapped; false (and the origin paused) when the client is full. */
    boolean relayToClient(RtmpMessage m) {
        int msid = m.streamId() == dialog.originStreamId ? clientStreamId : m.streamId();
        m.set(m.chunkStreamId(), m.typeId(), msid, m.timestamp(), m.buffer(), m.offset(), m.length());
        if (!tools.send(client, clientEncoder, m)) {
            return false;
        }
        messagesFromOrigin++;
        ctx.messagesFromOrigins.incrementAndGet();
        if (!client.isWritable()) {
            dialog.connection().suspendRead(); // resumed by onWritable(client)
            return false;
        }
        return true;
    }

    void acknowledgeIfDue(TcpConnection c, ChunkStreamDecoder decoder, ChunkStreamEncoder encoder) {
        if (decoder != null && decoder.acknowledgementDue() && !c.isClosed()) {
            ByteBuffer out = tools.out(32);
            WorkerTools.flush(c, out, encoder.writeAcknowledgement(decoder.acknowledge(), out, 0, 32));
        }
    }

    // ------------------------------------------------------------------ transitions

    /** {@code publish} or {@code play} named the stream: place it (off the loop). */
    void identified(Direction dir, StreamKey key, String name, int streamId) {
        this.direction = dir;
        this.streamKey = key;
        this.streamName = name;
        this.clientStreamId = streamId;
        this.startedAt = Instant.now();
        if (ctx.sessionCount.incrementAndGet() > ctx.maxSessions) {
            ctx.sessionCount.decrementAndGet();
            refuse(RtmpDropReason.LIMIT, EndReason.ERROR, failedCode(), "proxy session limit reached");
            return;
        }
        registered = true;
        ctx.sessions.put(id, this);
        // a fresh budget for placement and the origin's dialog: the origin's own (shorter)
        // deadline fires first and tells the client why
        client.deadline(client.worker().nanoTime() + ctx.setupTimeoutNanos + ctx.originSetupTimeoutNanos);
        phase = Phase.PLACING;
        client.suspendRead(); // what follows publish/play waits for the origin's answer
        RtmpPlacer.place(this);
    }

    /** The origin answered Publish.Start / Play.Start: relay from now on. */
    void relayStarted() {
        phase = Phase.RELAY;
        ctx.sessionsStarted.incrementAndGet();
        client.deadline(0);
        client.resumeRead();
    }

    /** Tells the client why (an {@code onStatus} with level error), counts, then closes. */
    void refuse(RtmpDropReason reason, EndReason endReason, String code, String description) {
        if (phase == Phase.ENDED) {
            return;
        }
        sendStatus("error", code, description);
        fail(reason, endReason);
    }

    /** Counts why the session never relayed, then ends it. */
    void fail(RtmpDropReason reason, EndReason endReason) {
        countDrop(reason);
        end(endReason);
    }

    String refusedCode() {
        return direction == Direction.PLAY ? "NetStream.Play.Failed" : "NetStream.Publish.BadName";
    }

    String failedCode() {
        return direction == Direction.PLAY ? "NetStream.Play.Failed" : "NetStream.Publish.Failed";
    }

    void sendStatus(String level, String code, String description) {
        if (clientEncoder == null || client.isClosed()) {
            return;
        }
        tools.commands.begin("onStatus", 0).writeNull().writeObjectStart()
                .writeKey("level").writeString(level)
                .writeKey("code").writeString(code)
                .writeKey("description").writeString(description)
                .writeObjectEnd();
        tools.sendCommand(client, clientEncoder, STATUS_CHUNK_STREAM_ID, clientStreamId);
    }

    /** Drops a connection that never became a session: counted once, closed (reset when hostile). */
    void dropClient(RtmpDropReason reason, boolean reset) {
        countDrop(reason);
        if (reset) {
            client.abort();
        }
        end(EndReason.ERROR);
    }

    void countDrop(RtmpDropReason reason) {
        if (!dropCounted && phase != Phase.RELAY && phase != Phase.ENDED) {
            dropCounted = true;
            ctx.drop(reason);
        }
    }

    /** Ends the session once: both connections closed (queued bytes first), lifecycle told. */
    void end(EndReason reason) {
        if (phase == Phase.ENDED) {
            return;
        }
        Phase was = phase;
        phase = Phase.ENDED;
        endReason = reason;
        if (placing != null) {
            placing.cancel();
            placing = null;
        }
        if (!dropCounted && (was == Phase.PLACING || was == Phase.CONNECTING)) {
            dropCounted = true; // ended while placing or connecting: the client went away
            ctx.drop(RtmpDropReason.CLOSED_DURING_SETUP);
        }
        client.close();
        dialog.close();
        if (registered) {
            registered = false;
            ctx.sessions.remove(id, this);
            ctx.sessionCount.decrementAndGet();
        }
        if (lifecycleState.getAndSet(LIFECYCLE_ENDED) == LIFECYCLE_STARTED) {
            ctx.lifecycle.end(id, reason, counters());
        }
    }

    SessionCounters counters() {
        TcpConnection o = dialog.connection();
        return new SessionCounters(messagesFromClient, client.bytesRead(), messagesFromOrigin,
                o == null ? 0 : o.bytesRead(), 0);
    }

    RtmpSessionView view() {
        TcpConnection o = dialog.connection();
        Phase p = phase;
        String state = p == Phase.PLACING ? "placing" : p == Phase.CONNECTING ? "connecting"
                : p == Phase.RELAY ? "relaying" : "ending";
        return new RtmpSessionView(id, direction, streamKey, originId, client.remoteAddress(), state, startedAt,
                client.bytesRead(), o == null ? 0 : o.bytesRead(), messagesFromClient, messagesFromOrigin);
    }

    int uptimeMillis() {
        return (int) (client.worker().nanoTime() / 1_000_000L);
    }
}
