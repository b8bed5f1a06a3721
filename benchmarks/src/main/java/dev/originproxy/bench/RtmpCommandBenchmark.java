package dev.originproxy.bench;

import dev.originproxy.rtmp.Amf0Reader;
import dev.originproxy.rtmp.Amf0Writer;
import dev.originproxy.rtmp.ChunkStreamDecoder;
import dev.originproxy.rtmp.RtmpCommand;
import dev.originproxy.rtmp.RtmpCommandWriter;
import dev.originproxy.rtmp.RtmpMessage;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * AMF0 command decoding on the commands ffmpeg really sent (captures/ffpub-c2s.bin): the
 * 140-byte {@code connect} (name, transaction id, a 4-key command object) and the 43-byte
 * {@code publish}; in place without allocation, and as a Java map for comparison; and writing
 * the {@code _result} a server answers {@code connect} with.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RtmpCommandBenchmark {
    ByteBuffer connect;
    int connectLength;
    ByteBuffer publish;
    int publishLength;
    final RtmpCommand command = new RtmpCommand();
    final RtmpCommandWriter writer = new RtmpCommandWriter();

    @Setup
    public void setup() {
        byte[] capture = Fixtures.bytes("rtmp/ffpub-c2s.bin");
        ByteBuffer chunks = ByteBuffer.wrap(capture, 3073, capture.length - 3073).slice();
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        decoder.decode(chunks, 0, chunks.limit(), m -> {
            if (m.typeId() == RtmpMessage.TYPE_COMMAND_AMF0 && command.wrap(m)) {
                ByteBuffer copy = ByteBuffer.allocateDirect(m.length());
                copy.put(0, m.buffer(), m.offset(), m.length());
                if (command.nameEquals("connect")) {
                    connect = copy;
                    connectLength = m.length();
                } else if (command.nameEquals("publish")) {
                    publish = copy;
                    publishLength = m.length();
                }
            }
            return true;
        });
        Fixtures.check(connect != null && publish != null, "connect and publish in the capture");
        Fixtures.check(connectInPlace() == 2, "connect has app and tcUrl");
    }

    /** wrap + name check + walk the command object for app and tcUrl (compared in place). */
    @Benchmark
    public int connectInPlace() {
        if (!command.wrap(connect, 0, connectLength, false) || !command.nameEquals("connect")) {
            return -1;
        }
        Amf0Reader r = command.commandObject();
        int found = 0;
        if (r.readObjectStart()) {
            while (r.nextKey()) {
                if (r.keyEquals("app") || r.keyEquals("tcUrl")) {
                    r.skipString();
                    found++;
                } else {
                    r.skipValue();
                }
            }
        }
        return found;
    }

    /** wrap + the command object built as a {@code Map} (what a router may do once per connection). */
    @Benchmark
    public Object connectAsMap() {
        command.wrap(connect, 0, connectLength, false);
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) command.commandObject().readValue();
        return object.get("tcUrl");
    }

    /** wrap + name check + the stream name argument located (not copied). */
    @Benchmark
    public int publishInPlace() {
        if (!command.wrap(publish, 0, publishLength, false) || !command.nameEquals("publish")) {
            return -1;
        }
        Amf0Reader args = command.arguments();
        return args.skipString() ? args.stringLength() : -1;
    }

    /** The connect {@code _result} nginx-rtmp sends, written as AMF0 (190 bytes). */
    @Benchmark
    public int writeConnectResult() {
        Amf0Writer amf = writer.begin("_result", 1);
        amf.writeObjectStart().writeKey("fmsVer").writeString("FMS/3,0,1,123").writeKey("capabilities")
                .writeNumber(31).writeObjectEnd();
        amf.writeObjectStart().writeKey("level").writeString("status").writeKey("code")
                .writeString("NetConnection.Connect.Success").writeKey("description")
                .writeString("Connection succeeded.").writeKey("objectEncoding").writeNumber(0).writeObjectEnd();
        return writer.length();
    }
}
