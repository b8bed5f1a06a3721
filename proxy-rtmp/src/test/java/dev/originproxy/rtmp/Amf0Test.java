package dev.originproxy.rtmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class Amf0Test {
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 18);
    private final Amf0Writer writer = new Amf0Writer().wrap(buf, 0, buf.capacity());
    private final Amf0Reader reader = new Amf0Reader();

    @Test
    void roundTripsEveryValueType() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("level", "status");
        nested.put("n", 3.5);
        nested.put("list", List.of(1.0, "x", false));
        nested.put("inner", Map.of("deep", Instant.ofEpochMilli(1_700_000_000_000L)));
        writer.writeNumber(-2.25).writeBoolean(true).writeString("héllo €𝄞").writeNull().writeUndefined()
                .writeValue(nested).writeString("x".repeat(70_000))
                .writeEcmaArrayStart(1).writeKey("duration").writeNumber(0).writeObjectEnd();
        assertThat(writer.overflowed()).isFalse();
        reader.wrap(buf, 0, writer.length());
        assertThat(reader.readNumber()).isEqualTo(-2.25);
        assertThat(reader.readBoolean()).isTrue();
        assertThat(reader.readString()).isEqualTo("héllo €𝄞");
        assertThat(reader.readNull()).isTrue();
        assertThat(reader.peekMarker()).isEqualTo(Amf0Reader.UNDEFINED);
        assertThat(reader.readValue()).isSameAs(Amf0Reader.UNDEFINED_VALUE);
        assertThat(reader.readValue()).isEqualTo(nested);
        assertThat(reader.peekMarker()).isEqualTo(Amf0Reader.LONG_STRING);
        assertThat(reader.readString()).hasSize(70_000);
        assertThat(reader.readValue()).isEqualTo(Map.of("duration", 0.0));
        assertThat(reader.hasRemaining()).isFalse();
        assertThat(reader.failure()).isNull();
    }

    @Test
    void walksAnObjectWithoutAllocatingStrings() {
        writer.writeObjectStart().writeKey("app").writeString("live").writeKey("tcUrl")
                .writeString("rtmp://h/live").writeKey("n").writeObjectStart().writeObjectEnd().writeObjectEnd()
                .writeNumber(7);
        reader.wrap(buf, 0, writer.length());
        assertThat(reader.readObjectStart()).isTrue();
        int found = 0;
        while (reader.nextKey()) {
            if (reader.keyEquals("tcUrl")) {
                assertThat(reader.readStringEquals("rtmp://h/live")).isTrue();
                found++;
            } else {
                reader.skipValue();
            }
        }
        assertThat(found).isEqualTo(1);
        assertThat(reader.readNumber()).isEqualTo(7);
        assertThat(reader.failure()).isNull();
    }

    @Test
    void failsWithReasonOnTruncationWrongTypeAndDepth() {
        FailureCounts<AmfFailure> counts = new FailureCounts<>(AmfFailure.class);
        Amf0Reader r = new Amf0Reader(3, 10, counts);
        writer.writeString("abc");
        r.wrap(buf, 0, writer.length() - 1);
        assertThat(r.readString()).isNull();
        assertThat(r.failure()).isEqualTo(AmfFailure.TRUNCATED);
        assertThat(r.readNumber()).isNaN(); // sticky

        r.wrap(buf, 0, writer.length());
        assertThat(r.readNumber()).isNaN();
        assertThat(r.failure()).isEqualTo(AmfFailure.UNEXPECTED_TYPE);

        Amf0Writer w = new Amf0Writer().wrap(buf, 0, 1000);
        for (int i = 0; i < 4; i++) {
            w.writeObjectStart().writeKey("k");
        }
        w.writeNull();
        r.wrap(buf, 0, w.length());
        assertThat(r.skipValue()).isFalse();
        assertThat(r.failure()).isEqualTo(AmfFailure.TOO_DEEP);

        // A strict array claiming 2^32-1 elements in 5 bytes.
        ByteBuffer lie = ByteBuffer.wrap(new byte[] {0x0A, -1, -1, -1, -1, 5});
        r.wrap(lie, 0, 6);
        assertThat(r.readValue()).isNull();
        assertThat(r.failure()).isEqualTo(AmfFailure.TRUNCATED);
        // A reference (0x07) is not decoded.
        r.wrap(ByteBuffer.wrap(new byte[] {0x07, 0, 1}), 0, 3);
        assertThat(r.skipValue()).isFalse();
        assertThat(r.failure()).isEqualTo(AmfFailure.UNSUPPORTED_TYPE);
        assertThat(counts.total()).isEqualTo(5);
    }

    @Test
    void boundsTheEntriesItBuilds() {
        Amf0Reader r = new Amf0Reader(4, 3, null);
        writer.writeValue(Map.of("a", 1, "b", 2, "c", 3, "d", 4));
        r.wrap(buf, 0, writer.length());
        assertThat(r.readValue()).isNull();
        assertThat(r.failure()).isEqualTo(AmfFailure.TOO_MANY_ENTRIES);
        r.wrap(buf, 0, writer.length());
        assertThat(r.skipValue()).isTrue(); // skipping builds nothing, so no bound on entries
    }

    @Test
    void writerOverflowIsStickyAndWritesNothingPartial() {
        Amf0Writer w = new Amf0Writer().wrap(buf, 10, 12);
        w.writeNumber(1).writeString("too long for the rest");
        assertThat(w.overflowed()).isTrue();
        assertThat(w.length()).isEqualTo(9);
        w.writeBoolean(true);
        assertThat(w.length()).isEqualTo(9);
    }

    @Test
    void decodesAmf3ValuesAfterTheAvmplusMarker() {
        // 0x11 then an AMF3 dynamic anonymous object {a: 5, s: "hi", arr: [true, null], again: "hi" (reference)}
        byte[] amf3 = HexFormat.of().parseHex(
                "11" + "0a" + "0b" + "01" // object, inline traits, dynamic, 0 sealed; class name ""
                        + "03" + "61" + "04" + "05" // "a" -> integer 5
                        + "03" + "73" + "06" + "05" + "6869" // "s" -> string "hi"
                        + "07" + "617272" + "09" + "05" + "01" + "03" + "01" // "arr" -> array dense 2 [true, null]
                        + "0b" + "616761696e" + "06" + "04" // "again" -> string ref #2 ("hi")
                        + "01" // end of dynamic members
                        + "0200046e657874"); // then an AMF0 string "next": the cursor must end right
        ByteBuffer b = ByteBuffer.wrap(amf3);
        int length = amf3.length;
        reader.wrap(b, 0, length);
        Object v = reader.readValue();
        assertThat(reader.failure()).isNull();
        assertThat(v).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("a", 5).containsEntry("s", "hi").containsEntry("again", "hi")
                .containsEntry("arr", java.util.Arrays.asList(true, null));
        assertThat(reader.readString()).isEqualTo("next");
        reader.wrap(b, 0, length);
        assertThat(reader.skipValue()).isTrue();
        assertThat(reader.readStringEquals("next")).isTrue();
    }

    @Test
    void readsTypeSeventeenCommandsAsFfmpegSendsThem() {
        // Format byte 0, then AMF0: "connect", 1, {app: "live", objectEncoding: 3}.
        buf.put(0, (byte) 0);
        Amf0Writer w = new Amf0Writer().wrap(buf, 1, 1000);
        w.writeString("connect").writeNumber(1).writeObjectStart().writeKey("app").writeString("live")
                .writeKey("objectEncoding").writeNumber(3).writeObjectEnd();
        RtmpMessage m = new RtmpMessage().set(3, RtmpMessage.TYPE_COMMAND_AMF3, 0, 0, buf, 0, 1 + w.length());
        RtmpCommand command = new RtmpCommand();
        assertThat(command.wrap(m)).isTrue();
        assertThat(command.nameEquals("connect")).isTrue();
        assertThat(command.commandObject().readValue()).isEqualTo(Map.of("app", "live", "objectEncoding", 3.0));
    }

    @Test
    void refusesNonCommandsAndBrokenCommands() {
        RtmpCommand command = new RtmpCommand();
        RtmpMessage video = new RtmpMessage().set(6, RtmpMessage.TYPE_VIDEO, 1, 0, buf, 0, 10);
        assertThat(command.wrap(video)).isFalse();
        assertThat(command.failure()).isEqualTo(AmfFailure.UNEXPECTED_TYPE);
        Amf0Writer w = new Amf0Writer().wrap(buf, 0, 100);
        w.writeNumber(1).writeString("x");
        assertThat(command.wrap(buf, 0, w.length(), false)).isFalse();
        w.wrap(buf, 0, 100).writeString("onStatus").writeNumber(0).writeObjectStart().writeKey("code");
        assertThat(command.wrap(buf, 0, w.length(), false)).isFalse();
        assertThat(command.failure()).isEqualTo(AmfFailure.TRUNCATED);
        assertThat(command.wrap(buf, 0, 0, true)).isFalse();
    }

    @Test
    void commandWriterChunksAResultTheDecoderReadsBack() {
        RtmpCommandWriter commands = new RtmpCommandWriter();
        ChunkStreamEncoder encoder = new ChunkStreamEncoder();
        Amf0Writer amf = commands.begin("_result", 1);
        amf.writeObjectStart().writeKey("fmsVer").writeString("FMS/3,0,1,123").writeKey("capabilities").writeNumber(31)
                .writeObjectEnd();
        amf.writeObjectStart().writeKey("level").writeString("status").writeKey("code")
                .writeString("NetConnection.Connect.Success").writeObjectEnd();
        int n = commands.finish(encoder, RtmpCommandWriter.COMMAND_CHUNK_STREAM_ID, 0, buf, 0, buf.capacity());
        assertThat(n).isGreaterThan(commands.length());
        byte[] wire = new byte[n];
        buf.get(0, wire);
        List<Captures.Message> got = Captures.decodeAll(new ChunkStreamDecoder(), wire, 50);
        RtmpCommand command = new RtmpCommand();
        assertThat(command.wrap(got.get(0).view())).isTrue();
        assertThat(command.nameEquals("_result")).isTrue();
        assertThat(command.transactionId()).isEqualTo(1);
        assertThat(command.commandObjectIsObject()).isTrue();
        assertThat(command.arguments().readValue()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("code", "NetConnection.Connect.Success");
        RtmpCommandWriter tiny = new RtmpCommandWriter(10);
        tiny.begin("createStream", 2);
        assertThat(tiny.overflowed()).isTrue();
        assertThat(tiny.finish(encoder, 3, 0, buf, 0, buf.capacity())).isEqualTo(-1);
    }
}
