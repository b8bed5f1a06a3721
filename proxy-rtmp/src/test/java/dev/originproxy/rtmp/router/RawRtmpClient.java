package dev.originproxy.rtmp.router;

import dev.originproxy.rtmp.Amf0Reader;
import dev.originproxy.rtmp.ChunkStreamDecoder;
import dev.originproxy.rtmp.ChunkStreamEncoder;
import dev.originproxy.rtmp.HandshakeForm;
import dev.originproxy.rtmp.RtmpCommand;
import dev.originproxy.rtmp.RtmpCommandWriter;
import dev.originproxy.rtmp.RtmpHandshake;
import dev.originproxy.rtmp.RtmpHandshakeWriter;
import dev.originproxy.rtmp.RtmpMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A scripted RTMP client over a plain socket, built from the codec: for what real clients do not
 * do on purpose (stop reading, stop half-way, send garbage) and for asserting on the exact status
 * codes the router sends.
 */
final class RawRtmpClient implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ChunkStreamEncoder encoder = new ChunkStreamEncoder();
    private final ChunkStreamDecoder decoder = new ChunkStreamDecoder();
    private final RtmpCommandWriter commands = new RtmpCommandWriter();
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    private final byte[] readChunk = new byte[64 << 10];
    private ByteBuffer pending = ByteBuffer.allocate(1 << 20);
    /** What arrived: command names, and for onStatus/_result/_error the info object's code. */
    final List<String> received = new ArrayList<>();
    long mediaMessages;

    RawRtmpClient(InetSocketAddress address, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** C0+C1 only (the first half of a handshake). */
    void sendC0C1() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(RtmpHandshake.C0_C1_LENGTH);
        new RtmpHandshakeWriter().writeClientHello(HandshakeForm.SIMPLE, 0, b, 0, b.capacity());
        write(b.array());
    }

    /** A whole simple-form handshake. */
    void handshake() throws IOException {
        sendC0C1();
        byte[] s = in.readNBytes(RtmpHandshake.S0_S1_S2_LENGTH);
        if (s.length != RtmpHandshake.S0_S1_S2_LENGTH) {
            throw new IOException("short S0S1S2: " + s.length);
        }
        RtmpHandshake s1 = new RtmpHandshake();
        s1.wrapWithVersionByte(ByteBuffer.wrap(s), 0, RtmpHandshake.C0_C1_LENGTH);
        ByteBuffer c2 = ByteBuffer.allocate(RtmpHandshake.PACKET_LENGTH);
        new RtmpHandshakeWriter().writeClientAck(s1, c2, 0, c2.capacity());
        write(c2.array());
    }

    void connect(String tcUrl) throws IOException {
        commands.begin("connect", 1).writeObjectStart()
                .writeKey("app").writeString("live")
                .writeKey("tcUrl").writeString(tcUrl)
                .writeKey("flashVer").writeString("LNX 9,0,124,2")
                .writeObjectEnd();
        send(RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0);
    }

    void createStream() throws IOException {
        commands.begin("createStream", 2).writeNull();
        send(RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0);
    }

    void play(String name) throws IOException {
        commands.begin("play", 3).writeNull().writeString(name).writeNumber(-1000);
        send(8, 1);
    }

    void publish(String name) throws IOException {
        commands.begin("publish", 3).writeNull().writeString(name).writeString("live");
        send(8, 1);
    }

    private void send(int csid, int streamId) throws IOException {
        int n = commands.finish(encoder, csid, streamId, buf, 0, buf.capacity());
        out.write(buf.array(), 0, n);
        out.flush();
    }

    /** Reads and decodes until {@code code} (or a command of that name) arrived, or the deadline. */
    boolean awaitReceived(String code, Duration deadline) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!received.contains(code)) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            if (!readSome()) {
                return received.contains(code);
            }
        }
        return true;
    }

    /** One read and decode; false at end of stream. */
    boolean readSome() throws IOException {
        int n;
        try {
            n = in.read(readChunk);
        } catch (SocketTimeoutException e) {
            return true;
        }
        if (n < 0) {
            return false;
        }
        if (pending.remaining() < n) {
            throw new IOException("test client buffer full");
        }
        pending.put(readChunk, 0, n);
        pending.flip();
        int used = decoder.decode(pending, pending.position(), pending.remaining(), this::onMessage);
        if (used < 0) {
            throw new IOException("router sent a bad chunk stream: " + decoder.failure());
        }
        pending.position(pending.position() + used);
        pending.compact();
        return true;
    }

    private boolean onMessage(RtmpMessage m) {
        if (m.isMedia()) {
            mediaMessages++;
            return true;
        }
        if (!m.isCommand()) {
            return true;
        }
        RtmpCommand c = new RtmpCommand();
        if (!c.wrap(m)) {
            return true;
        }
        received.add(c.name());
        for (Amf0Reader r : new Amf0Reader[] {c.commandObject(), c.arguments()}) {
            if (r.peekMarker() == Amf0Reader.OBJECT && r.readObjectStart()) {
                while (r.nextKey()) {
                    if (r.keyEquals("code") && r.peekMarker() == Amf0Reader.STRING) {
                        received.add(r.readString());
                    } else if (!r.skipValue()) {
                        break;
                    }
                }
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
