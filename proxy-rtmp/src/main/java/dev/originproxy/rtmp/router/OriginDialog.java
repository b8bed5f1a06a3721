package dev.originproxy.rtmp.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.relay.api.TcpCloseReason;
import dev.originproxy.core.tcp.TcpConnection;
import dev.originproxy.rtmp.Amf0Reader;
import dev.originproxy.rtmp.Amf0Writer;
import dev.originproxy.rtmp.ChunkStreamDecoder;
import dev.originproxy.rtmp.ChunkStreamEncoder;
import dev.originproxy.rtmp.HandshakeForm;
import dev.originproxy.rtmp.RtmpCommand;
import dev.originproxy.rtmp.RtmpCommandWriter;
import dev.originproxy.rtmp.RtmpControl;
import dev.originproxy.rtmp.RtmpHandshake;
import dev.originproxy.rtmp.RtmpMessage;
import dev.originproxy.rtmp.RtmpMessageHandler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The client role towards the origin, for one session: handshake (simple form, which every
 * server accepts), Set Chunk Size (large, so media crosses in few chunks), {@code connect} with
 * the client's own command object (tcUrl with its query, app, flashVer...), then
 * {@code releaseStream}/{@code FCPublish}/{@code createStream}/{@code publish} or
 * {@code createStream}/{@code play} with the client's stream name and query. The client gets
 * Publish.Start/Play.Start only when the origin says it; an origin's {@code _error}, an
 * {@code onStatus} with level error, or a close before that reaches the client as said.
 *
 * <p>Worker-thread only.
 */
final class OriginDialog implements RtmpMessageHandler {
    private enum Step { IDLE, HANDSHAKE, CONNECT, CREATE_STREAM, STARTING, RELAY, CLOSED }

    private static final double TXN_CONNECT = 1;
    private static final double TXN_RELEASE_STREAM = 2;
    private static final double TXN_FC_PUBLISH = 3;
    private static final double TXN_CREATE_STREAM = 4;
    private static final double TXN_START = 5;
    private static final int STREAM_CHUNK_STREAM_ID = 8;

    private final RtmpSession s;
    private TcpConnection origin;
    private ChunkStreamDecoder decoder;
    private ChunkStreamEncoder encoder;
    private Step step = Step.IDLE;
    int originStreamId;
    int bufferLengthMillis = 3000;

    OriginDialog(RtmpSession s) {
        this.s = s;
    }

    TcpConnection connection() {
        return origin;
    }

    ChunkStreamEncoder encoder() {
        return encoder;
    }

    /** Opens the connection to the placed origin and starts the handshake (queued until connected). */
    void connect(InetSocketAddress address) {
        step = Step.IDLE;
        decoder = null;
        encoder = null;
        originStreamId = 0;
        try {
            origin = s.client.worker().connect(address, s);
        } catch (IOException | RuntimeException e) {
            unreachable("cannot connect to origin " + s.originId + ": " + e.getMessage());
            return;
        }
        origin.deadline(origin.worker().nanoTime() + s.ctx.originSetupTimeoutNanos);
        step = Step.HANDSHAKE;
        ByteBuffer out = s.tools.out(RtmpHandshake.C0_C1_LENGTH);
        WorkerTools.flush(origin, out, s.tools.handshakeWriter.writeClientHello(HandshakeForm.SIMPLE,
                s.uptimeMillis(), out, 0, RtmpHandshake.C0_C1_LENGTH));
    }

    void onData(ByteBuffer data) {
        if (step == Step.HANDSHAKE) {
            if (data.remaining() < RtmpHandshake.S0_S1_S2_LENGTH) {
                return;
            }
            int pos = data.position();
            RtmpHandshake hs = s.tools.handshake;
            if (!hs.wrapWithVersionByte(data, pos, RtmpHandshake.C0_C1_LENGTH)) {
                data.position(data.limit());
                unreachable("origin " + s.originId + " answered the handshake with version "
                        + (data.get(pos) & 0xFF));
                return;
            }
            ByteBuffer out = s.tools.out(RtmpHandshake.PACKET_LENGTH);
            int n = s.tools.handshakeWriter.writeClientAck(hs, out, 0, RtmpHandshake.PACKET_LENGTH);
            data.position(pos + RtmpHandshake.S0_S1_S2_LENGTH);
            WorkerTools.flush(origin, out, n);
            decoder = new ChunkStreamDecoder(s.ctx.limits, s.ctx.chunkFailures);
            encoder = new ChunkStreamEncoder();
            sendConnect();
        }
        if (step.ordinal() >= Step.CONNECT.ordinal() && step != Step.CLOSED) {
            int n = decoder.decode(data, data.position(), data.remaining(), this);
            if (n < 0) {
                data.position(data.limit());
                if (step == Step.RELAY) {
                    s.end(EndReason.ERROR);
                } else {
                    unreachable("origin " + s.originId + " sent a malformed chunk stream: " + decoder.failure());
                }
                return;
            }
            data.position(data.position() + n);
            s.acknowledgeIfDue(origin, decoder, encoder);
        }
    }

    private void sendConnect() {
        step = Step.CONNECT;
        ByteBuffer out = s.tools.out(64);
        int n = encoder.writeSetChunkSize(s.ctx.originChunkSize, out, 0, 64);
        n += encoder.writeWindowAckSize(s.ctx.windowAckSize, out, n, 64 - n);
        WorkerTools.flush(origin, out, n);
        byte[] object = s.commands.connectObject;
        Amf0Writer w = s.tools.commands.begin("connect", TXN_CONNECT);
        w.writeRaw(ByteBuffer.wrap(object), 0, object.length);
        s.tools.sendCommand(origin, encoder, RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0);
    }

    private void sendCreateStream() {
        step = Step.CREATE_STREAM;
        if (s.direction == Direction.PUBLISH) {
            s.tools.commands.begin("releaseStream", TXN_RELEASE_STREAM).writeNull().writeString(s.streamName);
            s.tools.sendCommand(origin, encoder, RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0);
            s.tools.commands.begin("FCPublish", TXN_FC_PUBLISH).writeNull().writeString(s.streamName);
            s.tools.sendCommand(origin, encoder, RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0);
        }
        s.tools.commands.begin("createStream", TXN_CREATE_STREAM).writeNull();
        s.tools.sendCommand(origin, encoder, RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0);
    }

    private void sendStart() {
        step = Step.STARTING;
        Amf0Writer w;
        if (s.direction == Direction.PUBLISH) {
            w = s.tools.commands.begin("publish", TXN_START).writeNull().writeString(s.streamName)
                    .writeString(s.commands.publishType);
        } else {
            w = s.tools.commands.begin("play", TXN_START).writeNull().writeString(s.streamName);
            byte[] args = s.commands.playArguments;
            if (args != null && args.length > 0) {
                w.writeRaw(ByteBuffer.wrap(args), 0, args.length);
            }
        }
        s.tools.sendCommand(origin, encoder, STREAM_CHUNK_STREAM_ID, originStreamId);
        if (s.direction == Direction.PLAY) {
            sendSetBufferLength();
        }
    }

    void sendSetBufferLength() {
        if (origin == null || encoder == null || step.ordinal() < Step.STARTING.ordinal()) {
            return;
        }
        ByteBuffer out = s.tools.out(32);
        WorkerTools.flush(origin, out, encoder.writeSetBufferLength(originStreamId, bufferLengthMillis, out, 0, 32));
    }

    /** The client deleted its stream: the origin's stream goes too (its id mapped). */
    void sendDeleteStream() {
        if (step != Step.RELAY) {
            return;
        }
        s.tools.commands.begin("deleteStream", 0).writeNull().writeNumber(originStreamId);
        s.tools.sendCommand(origin, encoder, RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0);
    }

    @Override
    public boolean onMessage(RtmpMessage m) {
        if (step == Step.CLOSED || s.phase == RtmpSession.Phase.ENDED) {
            return false;
        }
        switch (m.typeId()) {
            case RtmpMessage.TYPE_SET_CHUNK_SIZE:
            case RtmpMessage.TYPE_ABORT:
            case RtmpMessage.TYPE_ACKNOWLEDGEMENT:
            case RtmpMessage.TYPE_WINDOW_ACK_SIZE:
            case RtmpMessage.TYPE_SET_PEER_BANDWIDTH:
                return true;
            case RtmpMessage.TYPE_USER_CONTROL:
                return onUserControl(m);
            default:
                break;
        }
        if (step == Step.RELAY) {
            return s.relayToClient(m);
        }
        if (!m.isCommand()) {
            // media or data before Play.Start (|RtmpSampleAccess, onMetaData): the player wants them
            return step == Step.STARTING && s.direction == Direction.PLAY ? s.relayToClient(m) : true;
        }
        RtmpCommand cmd = s.tools.originCommand;
        if (!cmd.wrap(m)) {
            unreachable("origin " + s.originId + " sent a malformed command: " + cmd.failure());
            return false;
        }
        double txn = cmd.transactionId();
        boolean error = cmd.nameEquals("_error");
        if (step == Step.CONNECT && txn == TXN_CONNECT && (error || cmd.nameEquals("_result"))) {
            if (error) {
                rejected(cmd);
                return false;
            }
            sendCreateStream();
            return true;
        }
        if (step == Step.CREATE_STREAM && txn == TXN_CREATE_STREAM && (error || cmd.nameEquals("_result"))) {
            Amf0Reader r = cmd.arguments();
            double id = error ? Double.NaN : r.readNumber();
            if (error || Double.isNaN(id) || id < 0 || id > Integer.MAX_VALUE) {
                rejected(cmd);
                return false;
            }
            originStreamId = (int) id;
            sendStart();
            return true;
        }
        if (step == Step.STARTING) {
            if (error) {
                rejected(cmd);
                return false;
            }
            if (cmd.nameEquals("onStatus")) {
                return onStartingStatus(cmd, m);
            }
        }
        return true; // _result of releaseStream/FCPublish, onBWDone, onFCPublish: ours to swallow
    }

    private boolean onStartingStatus(RtmpCommand cmd, RtmpMessage m) {
        String level = null;
        String code = null;
        Amf0Reader r = cmd.hasCommandObject() && cmd.commandObjectIsObject() ? cmd.commandObject() : cmd.arguments();
        if (r.readObjectStart()) {
            while (r.nextKey()) {
                if (r.keyEquals("level") && r.peekMarker() == Amf0Reader.STRING) {
                    level = r.readString();
                } else if (r.keyEquals("code") && r.peekMarker() == Amf0Reader.STRING) {
                    code = r.readString();
                } else if (!r.skipValue()) {
                    break;
                }
            }
        }
        boolean goOn = s.relayToClient(m); // as the origin said it
        if ("error".equals(level)) {
            step = Step.CLOSED;
            s.fail(RtmpDropReason.ORIGIN_REJECTED, EndReason.ORIGIN_REJECTED);
            return false;
        }
        if ("NetStream.Publish.Start".equals(code) || "NetStream.Play.Start".equals(code)) {
            step = Step.RELAY;
            origin.deadline(0);
            s.relayStarted();
        }
        return goOn;
    }

    private boolean onUserControl(RtmpMessage m) {
        int event = RtmpControl.userControlEvent(m);
        ByteBuffer out = s.tools.out(32);
        if (event == RtmpControl.EVENT_PING_REQUEST) {
            WorkerTools.flush(origin, out, encoder.writeUserControl(RtmpControl.EVENT_PING_RESPONSE,
                    (int) RtmpControl.userControlValue(m), out, 0, 32));
        } else if (event >= RtmpControl.EVENT_STREAM_BEGIN && event <= RtmpControl.EVENT_STREAM_IS_RECORDED
                && event != RtmpControl.EVENT_SET_BUFFER_LENGTH
                && step.ordinal() >= Step.STARTING.ordinal() && RtmpControl.userControlValue(m) == originStreamId) {
            WorkerTools.flush(s.client, out, s.clientEncoder.writeUserControl(event, s.clientStreamId, out, 0, 32));
        }
        return true;
    }

    /** The origin said no: its words go to the client as an {@code onStatus} error, then both close. */
    private void rejected(RtmpCommand cmd) {
        String description = "origin refused";
        String code = s.failedCode();
        Amf0Reader r = cmd.arguments();
        if (r.readObjectStart()) {
            while (r.nextKey()) {
                if (r.keyEquals("description") && r.peekMarker() == Amf0Reader.STRING) {
                    description = r.readString();
                } else if (r.keyEquals("code") && r.peekMarker() == Amf0Reader.STRING) {
                    code = r.readString();
                } else if (!r.skipValue()) {
                    break;
                }
            }
        }
        step = Step.CLOSED;
        s.refuse(RtmpDropReason.ORIGIN_REJECTED, EndReason.ORIGIN_REJECTED, code, description);
    }

    private void unreachable(String why) {
        step = Step.CLOSED;
        if (s.originId != null && s.ctx.health != null) {
            s.ctx.health.report(s.originId, why);
        }
        s.refuse(RtmpDropReason.ORIGIN_UNREACHABLE, EndReason.ORIGIN_GONE, s.failedCode(), why);
    }

    /** The origin connection closed (or failed to open). */
    void onOriginClosed(TcpCloseReason reason) {
        if (step == Step.CLOSED) {
            return;
        }
        Step was = step;
        step = Step.CLOSED;
        if (reason == TcpCloseReason.CONNECT_FAILED || reason == TcpCloseReason.CONNECT_TIMEOUT) {
            String why = "its RTMP port " + (reason == TcpCloseReason.CONNECT_FAILED ? "refused the connection"
                    : "did not accept the connection in time");
            if (s.ctx.health != null && !s.replaced) {
                s.replaced = true;
                origin = null;
                RtmpPlacer.replace(s, s.originId, why);
                return;
            }
            unreachable("origin " + s.originId + ": " + why);
            return;
        }
        if (was != Step.RELAY) {
            if (reason == TcpCloseReason.DEADLINE) {
                s.refuse(RtmpDropReason.ORIGIN_UNREACHABLE, EndReason.HANDSHAKE_TIMEOUT, s.failedCode(),
                        "origin " + s.originId + " did not answer in time");
                return;
            }
            s.refuse(RtmpDropReason.ORIGIN_REJECTED, EndReason.ORIGIN_REJECTED, s.failedCode(),
                    "origin " + s.originId + " closed the connection");
            return;
        }
        if (reason == TcpCloseReason.RESET && s.ctx.health != null) {
            s.ctx.health.report(s.originId, "its RTMP connection was reset");
        }
        s.end(reason == TcpCloseReason.IDLE_TIMEOUT ? EndReason.IDLE_TIMEOUT
                : reason == TcpCloseReason.SHUTDOWN ? EndReason.PROXY_SHUTDOWN
                : reason == TcpCloseReason.RESET ? EndReason.ORIGIN_GONE : EndReason.ORIGIN_CLOSED);
    }

    void close() {
        step = Step.CLOSED;
        if (origin != null) {
            origin.close();
        }
    }
}
