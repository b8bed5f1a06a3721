package dev.originproxy.rtmp.router;

import dev.originproxy.core.Direction;
import dev.originproxy.core.InvalidStreamKeyException;
import dev.originproxy.core.StreamKey;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.rtmp.Amf0Reader;
import dev.originproxy.rtmp.Amf0Writer;
import dev.originproxy.rtmp.RtmpCommand;
import dev.originproxy.rtmp.RtmpCommandWriter;
import dev.originproxy.rtmp.RtmpControl;
import dev.originproxy.rtmp.RtmpMessage;

import java.nio.ByteBuffer;

/**
 * The server role towards a client until it names its stream (Adobe RTMP specification §7.2.1,
 * answered as SRS and nginx-rtmp answer): {@code connect} gets Window Acknowledgement Size, Set
 * Peer Bandwidth, Set Chunk Size and {@code _result} NetConnection.Connect.Success;
 * {@code createStream} gets a message stream id; {@code releaseStream}, {@code FCPublish},
 * {@code getStreamLength}, {@code FCSubscribe} and any other call with a transaction id get an
 * empty {@code _result}; {@code publish}/{@code play} derive the stream key
 * ({@link StreamKey#fromRtmp}) and hand over to placement.
 *
 * <p>What the origin must see again is kept as it was sent: the {@code connect} command object
 * (tcUrl with its query, app, flashVer...) and the stream name with its query (tokens).
 *
 * <p>Worker-thread only.
 */
final class ClientCommands {
    /** Largest connect command object kept for the origin (real clients send a few hundred bytes). */
    static final int MAX_CONNECT_OBJECT = 8192;
    /** Message stream ids a client may create before publishing or playing. */
    static final int MAX_CREATED_STREAMS = 8;

    private final RtmpSession s;
    private boolean connected;
    private int createdStreams;
    String tcUrl;
    String app;
    double objectEncoding;
    /** The client's connect command object, AMF0-encoded as received. */
    byte[] connectObject;
    /** The publish type ({@code live}, {@code record}, {@code append}); null for play. */
    String publishType;
    /** The play arguments after the stream name (start, duration, reset), AMF0-encoded as received. */
    byte[] playArguments;

    ClientCommands(RtmpSession s) {
        this.s = s;
    }

    /** A command before publish/play; false stops decoding (publish/play, or the session ended). */
    boolean onCommand(RtmpMessage m) {
        RtmpCommand cmd = s.tools.command;
        if (!cmd.wrap(m)) {
            s.dropClient(RtmpDropReason.PROTOCOL_ERROR, true);
            return false;
        }
        double txn = cmd.transactionId();
        if (cmd.nameEquals("connect")) {
            return onConnect(cmd, txn);
        }
        if (!connected) {
            s.dropClient(RtmpDropReason.BAD_COMMAND, true);
            return false;
        }
        if (cmd.nameEquals("createStream")) {
            if (++createdStreams > MAX_CREATED_STREAMS) {
                s.dropClient(RtmpDropReason.BAD_COMMAND, true);
                return false;
            }
            s.tools.commands.begin("_result", txn).writeNull().writeNumber(createdStreams);
            sendResult(m.chunkStreamId());
            return true;
        }
        if (cmd.nameEquals("publish")) {
            return onPublishOrPlay(cmd, m, Direction.PUBLISH);
        }
        if (cmd.nameEquals("play")) {
            return onPublishOrPlay(cmd, m, Direction.PLAY);
        }
        if (txn != 0 && !cmd.nameEquals("deleteStream") && !cmd.nameEquals("closeStream")) {
            // releaseStream, FCPublish, getStreamLength, FCSubscribe, ...: an empty answer, as SRS gives
            s.tools.commands.begin("_result", txn).writeNull().writeUndefined();
            sendResult(m.chunkStreamId());
        }
        return true;
    }

    private boolean onConnect(RtmpCommand cmd, double txn) {
        if (connected || !cmd.commandObjectIsObject()
                || cmd.argumentsOffset() - cmd.commandObjectOffset() > MAX_CONNECT_OBJECT) {
            s.dropClient(RtmpDropReason.BAD_COMMAND, true);
            return false;
        }
        int start = cmd.commandObjectOffset();
        int length = cmd.argumentsOffset() - start;
        connectObject = new byte[length];
        cmd.commandObject().buffer().get(start, connectObject, 0, length);
        Amf0Reader r = cmd.commandObject();
        objectEncoding = 0;
        if (r.readObjectStart()) {
            while (r.nextKey()) {
                if (r.keyEquals("tcUrl") && r.peekMarker() == Amf0Reader.STRING) {
                    tcUrl = r.readString();
                } else if (r.keyEquals("app") && r.peekMarker() == Amf0Reader.STRING) {
                    app = r.readString();
                } else if (r.keyEquals("objectEncoding") && r.peekMarker() == Amf0Reader.NUMBER) {
                    objectEncoding = r.readNumber();
                } else if (!r.skipValue()) {
                    break;
                }
            }
        }
        if (r.failure() != null) {
            s.dropClient(RtmpDropReason.PROTOCOL_ERROR, true);
            return false;
        }
        connected = true;
        ByteBuffer out = s.tools.out(64);
        int n = s.clientEncoder.writeWindowAckSize(s.ctx.windowAckSize, out, 0, 64);
        n += s.clientEncoder.writeSetPeerBandwidth(s.ctx.windowAckSize, RtmpControl.LIMIT_DYNAMIC, out, n, 64 - n);
        n += s.clientEncoder.writeSetChunkSize(s.ctx.clientChunkSize, out, n, 64 - n);
        WorkerTools.flush(s.client, out, n);
        Amf0Writer w = s.tools.commands.begin("_result", txn);
        w.writeObjectStart()
                .writeKey("fmsVer").writeString("FMS/3,5,3,888")
                .writeKey("capabilities").writeNumber(127)
                .writeKey("mode").writeNumber(1)
                .writeObjectEnd();
        w.writeObjectStart()
                .writeKey("level").writeString("status")
                .writeKey("code").writeString("NetConnection.Connect.Success")
                .writeKey("description").writeString("Connection succeeded.")
                .writeKey("objectEncoding").writeNumber(objectEncoding)
                .writeObjectEnd();
        sendResult(RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID);
        return true;
    }

    private boolean onPublishOrPlay(RtmpCommand cmd, RtmpMessage m, Direction dir) {
        Amf0Reader r = cmd.arguments();
        String name = r.peekMarker() == Amf0Reader.STRING ? r.readString() : null;
        if (name == null || name.isEmpty()) {
            s.dropClient(RtmpDropReason.BAD_COMMAND, true);
            return false;
        }
        if (dir == Direction.PUBLISH) {
            publishType = r.peekMarker() == Amf0Reader.STRING ? r.readString() : "live";
        } else {
            int from = r.position();
            int to = r.end();
            playArguments = new byte[Math.min(to - from, 64)];
            r.buffer().get(from, playArguments, 0, playArguments.length);
            if (to - from > 64) {
                playArguments = null; // unusual arguments: the origin gets the defaults
            }
        }
        s.direction = dir;
        s.clientStreamId = m.streamId();
        StreamKey key;
        try {
            key = StreamKey.fromRtmp(tcUrl, app, name);
        } catch (InvalidStreamKeyException e) {
            s.refuse(RtmpDropReason.BAD_STREAM_KEY, EndReason.ERROR, s.refusedCode(), "bad stream name: " + e.getMessage());
            return false;
        }
        s.identified(dir, key, name, m.streamId());
        return false;
    }

    /** Whether a relayed command is {@code deleteStream} (its argument is a stream id to map). */
    boolean isDeleteStream(RtmpMessage m) {
        RtmpCommand cmd = s.tools.command;
        return cmd.wrap(m) && cmd.nameEquals("deleteStream");
    }

    private void sendResult(int chunkStreamId) {
        s.tools.sendCommand(s.client, s.clientEncoder, chunkStreamId, 0);
    }
}
