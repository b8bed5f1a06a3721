package dev.originproxy.rtmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ChunkStreamCodecTest {
    private final ChunkStreamEncoder encoder = new ChunkStreamEncoder();
    private final ByteBuffer out = ByteBuffer.allocate(1 << 20);
    private int written;

    private void encode(int csid, int type, int streamId, int timestamp, byte[] payload) {
        int expected = encoder.encodedLength(csid, type, streamId, timestamp, payload.length);
        int n = encoder.encode(csid, type, streamId, timestamp, ByteBuffer.wrap(payload), 0, payload.length,
                out, written, out.capacity() - written);
        assertThat(n).isEqualTo(expected);
        written += n;
    }

    private byte[] wire() {
        byte[] w = new byte[written];
        out.get(0, w);
        return w;
    }

    @Test
    void roundTripsRandomMessagesOverEveryHeaderFormAndChunkStreamIdWidth() {
        SplittableRandom random = new SplittableRandom(42);
        int[] csids = {2, 3, 63, 64, 319, 320, 65599};
        List<Captures.Message> sent = new ArrayList<>();
        int[] clock = new int[csids.length];
        for (int i = 0; i < 400; i++) {
            int c = random.nextInt(csids.length);
            int csid = csids[c];
            // Mostly forward steps; sometimes a jump across 0xFFFFFF, sometimes backwards.
            int step = random.nextInt(10) == 0 ? 0x01000000 : random.nextInt(10) == 0 ? -5 : random.nextInt(50);
            clock[c] += step;
            int length = random.nextInt(10) == 0 ? 0 : random.nextInt(3000);
            byte[] payload = new byte[length];
            random.nextBytes(payload);
            int type = random.nextBoolean() ? RtmpMessage.TYPE_VIDEO : RtmpMessage.TYPE_AUDIO;
            int stream = random.nextInt(20) == 0 ? 2 : 1;
            if (i == 150) {
                written += encoder.writeSetChunkSize(1000, out, written, out.capacity() - written);
                sent.add(new Captures.Message(2, RtmpMessage.TYPE_SET_CHUNK_SIZE, 0, 0, new byte[] {0, 0, 3, (byte) 0xE8}));
            }
            encode(csid, type, stream, clock[c], payload);
            sent.add(new Captures.Message(csid, type, stream, clock[c], payload));
        }
        for (int slice : new int[] {1, 5, 129, 100_000}) {
            ChunkStreamDecoder decoder = new ChunkStreamDecoder();
            List<Captures.Message> got = Captures.decodeAll(decoder, wire(), slice);
            assertThat(decoder.failure()).isNull();
            assertThat(got).hasSameSizeAs(sent);
            for (int i = 0; i < sent.size(); i++) {
                Captures.Message e = sent.get(i);
                Captures.Message a = got.get(i);
                assertThat(a.csid()).isEqualTo(e.csid());
                assertThat(a.type()).isEqualTo(e.type());
                assertThat(a.streamId()).isEqualTo(e.streamId());
                assertThat(a.timestamp()).as("message %d", i).isEqualTo(e.timestamp());
                assertThat(a.payload()).isEqualTo(e.payload());
            }
            assertThat(decoder.chunkSize()).isEqualTo(1000);
            assertThat(decoder.bytesReceived()).isEqualTo(written);
        }
    }

    @Test
    void compressesHeadersAndRepeatsExtendedTimestampOnContinuations() {
        byte[] payload = new byte[300];
        encode(4, RtmpMessage.TYPE_AUDIO, 1, 1000, payload); // type 0: 1+11, then 2 continuations of 1
        assertThat(written).isEqualTo(12 + 300 + 2);
        int before = written;
        encode(4, RtmpMessage.TYPE_AUDIO, 1, 1023, payload); // same length and type: type 2
        assertThat(written - before).isEqualTo(4 + 300 + 2);
        before = written;
        encode(4, RtmpMessage.TYPE_AUDIO, 1, 1046, new byte[10]); // other length: type 1
        assertThat(written - before).isEqualTo(8 + 10);
        assertThat(out.get(before) & 0xFF).isEqualTo(0x40 | 4);

        written = 0;
        ChunkStreamEncoder fresh = new ChunkStreamEncoder();
        int n = fresh.encode(6, RtmpMessage.TYPE_VIDEO, 1, 0x01000000, ByteBuffer.wrap(payload), 0, 300, out, 0, out.capacity());
        // 1 + 11 + 4 extended, then two type-3 continuations of 1 + 4 extended each.
        assertThat(n).isEqualTo(16 + 300 + 2 * 5);
        assertThat(out.get(16 + 128) & 0xFF).isEqualTo(0xC0 | 6);
        assertThat(out.getInt(16 + 128 + 1)).isEqualTo(0x01000000);
    }

    @Test
    void refusesToWriteWithoutRoomAndKeepsItsState() {
        byte[] payload = new byte[500];
        int n = encoder.encode(4, RtmpMessage.TYPE_VIDEO, 1, 0, ByteBuffer.wrap(payload), 0, 500, out, 0, 100);
        assertThat(n).isEqualTo(-1);
        // Nothing remembered: the next message is still a type-0.
        n = encoder.encode(4, RtmpMessage.TYPE_VIDEO, 1, 0, ByteBuffer.wrap(payload), 0, 500, out, 0, out.capacity());
        assertThat(out.get(0) & 0xC0).isZero();
        assertThatThrownBy(() -> encoder.encode(1, 8, 1, 0, ByteBuffer.allocate(1), 0, 1, out, 0, 100))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> encoder.setChunkSize(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesControlMessagesTheDecoderAppliesAndReads() {
        written += encoder.writeWindowAckSize(2_500_000, out, written, 1000);
        written += encoder.writeSetPeerBandwidth(2_500_000, RtmpControl.LIMIT_DYNAMIC, out, written, 1000);
        written += encoder.writeSetChunkSize(60_000, out, written, 1000);
        written += encoder.writeUserControl(RtmpControl.EVENT_STREAM_BEGIN, 1, out, written, 1000);
        written += encoder.writeUserControl(RtmpControl.EVENT_PING_REQUEST, 777, out, written, 1000);
        written += encoder.writeSetBufferLength(1, 3000, out, written, 1000);
        written += encoder.writeAcknowledgement(123456, out, written, 1000);
        written += encoder.writeAbort(5, out, written, 1000);
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        List<Captures.Message> got = Captures.decodeAll(decoder, wire(), 3);
        assertThat(got).extracting(Captures.Message::type).containsExactly(5, 6, 1, 4, 4, 4, 3, 2);
        assertThat(got).allSatisfy(m -> {
            assertThat(m.csid()).isEqualTo(2);
            assertThat(m.streamId()).isZero();
        });
        assertThat(decoder.peerWindowAckSize()).isEqualTo(2_500_000);
        assertThat(decoder.chunkSize()).isEqualTo(60_000);
        assertThat(encoder.chunkSize()).isEqualTo(60_000);
        assertThat(RtmpControl.peerBandwidthLimitType(got.get(1).view())).isEqualTo(2);
        assertThat(RtmpControl.userControlValue(got.get(4).view())).isEqualTo(777);
        assertThat(RtmpControl.userControlValue(got.get(5).view())).isEqualTo(1);
        assertThat(RtmpControl.bufferLength(got.get(5).view())).isEqualTo(3000);
        assertThat(RtmpControl.value(got.get(6).view())).isEqualTo(123456);
        assertThat(RtmpControl.value(got.get(7).view())).isEqualTo(5);
        assertThat(got.get(0).view().isProtocolControl()).isTrue();
        assertThat(got.get(3).view().isProtocolControl()).isFalse();
    }

    @Test
    void abortDropsThePartialMessageOfItsChunkStream() {
        byte[] big = new byte[300];
        int n = encoder.encode(6, RtmpMessage.TYPE_VIDEO, 1, 0, ByteBuffer.wrap(big), 0, 300, out, 0, out.capacity());
        // Send only the first chunk (1 + 11 + 128), then Abort(6), then a small message on 6.
        written = 12 + 128;
        written += encoder.writeAbort(6, out, written, 100);
        ChunkStreamEncoder other = new ChunkStreamEncoder();
        written += other.encode(6, RtmpMessage.TYPE_VIDEO, 1, 40, ByteBuffer.wrap(new byte[] {1, 2, 3}), 0, 3, out, written, 100);
        assertThat(n).isGreaterThan(written - 20);
        List<Captures.Message> got = Captures.decodeAll(new ChunkStreamDecoder(), wire(), 1000);
        assertThat(got).extracting(Captures.Message::type).containsExactly(RtmpMessage.TYPE_ABORT, RtmpMessage.TYPE_VIDEO);
        assertThat(got.get(1).payload()).containsExactly(1, 2, 3);
        assertThat(got.get(1).timestamp()).isEqualTo(40);
    }

    @Test
    void handlerCanStopDecodingAfterAMessage() {
        for (int i = 0; i < 3; i++) {
            encode(3, RtmpMessage.TYPE_COMMAND_AMF0, 0, 0, new byte[] {(byte) i});
        }
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        List<Integer> seen = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(wire());
        int used = decoder.decode(in, 0, written, m -> {
            seen.add((int) m.buffer().get(m.offset()));
            return false;
        });
        assertThat(seen).containsExactly(0);
        int rest = decoder.decode(in, used, written - used, m -> {
            seen.add((int) m.buffer().get(m.offset()));
            return true;
        });
        assertThat(used + rest).isEqualTo(written);
        assertThat(seen).containsExactly(0, 1, 2);
    }

    @Test
    void acknowledgementFallsDueEveryWindow() {
        written += encoder.writeWindowAckSize(1000, out, written, 100);
        for (int i = 0; i < 10; i++) {
            encode(4, RtmpMessage.TYPE_AUDIO, 1, i, new byte[120]);
        }
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        ByteBuffer in = ByteBuffer.wrap(wire());
        decoder.decode(in, 0, 500, m -> true);
        assertThat(decoder.acknowledgementDue()).isFalse();
        int used = (int) decoder.bytesReceived();
        decoder.decode(in, used, written - used, m -> true);
        assertThat(decoder.acknowledgementDue()).isTrue();
        assertThat(decoder.acknowledge()).isEqualTo(written);
        assertThat(decoder.acknowledgementDue()).isFalse();
    }

    @Test
    void failsOnAMessageLongerThanTheLimit() {
        FailureCounts<ChunkFailure> counts = new FailureCounts<>(ChunkFailure.class);
        ChunkStreamDecoder decoder = new ChunkStreamDecoder(ChunkStreamLimits.defaults().withMaxMessageSize(1000), counts);
        encode(4, RtmpMessage.TYPE_VIDEO, 1, 0, new byte[1001]);
        assertThat(decoder.decode(ByteBuffer.wrap(wire()), 0, written, m -> true)).isEqualTo(-1);
        assertThat(decoder.failure()).isEqualTo(ChunkFailure.MESSAGE_TOO_LARGE);
        assertThat(decoder.decode(ByteBuffer.wrap(wire()), 0, written, m -> true)).isEqualTo(-1);
        assertThat(counts.count(ChunkFailure.MESSAGE_TOO_LARGE)).isEqualTo(1);
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    void failsOnMoreChunkStreamsThanTheLimit() {
        FailureCounts<ChunkFailure> counts = new FailureCounts<>(ChunkFailure.class);
        ChunkStreamDecoder decoder = new ChunkStreamDecoder(ChunkStreamLimits.defaults().withMaxChunkStreams(4), counts);
        for (int csid = 2; csid < 7; csid++) {
            encode(csid, RtmpMessage.TYPE_AUDIO, 1, 0, new byte[1]);
        }
        List<Captures.Message> got = Captures.decodeAll(decoder, wire(), 1000);
        assertThat(got).hasSize(4);
        assertThat(decoder.failure()).isEqualTo(ChunkFailure.TOO_MANY_CHUNK_STREAMS);
        assertThat(decoder.chunkStreamCount()).isEqualTo(4);
        assertThat(counts.total()).isEqualTo(1);
    }

    @Test
    void failsWhenPartialMessagesExceedTheBufferedBytesLimit() {
        ChunkStreamDecoder decoder = new ChunkStreamDecoder(new ChunkStreamLimits(10_000, 10, 15_000), null);
        // Two chunk streams each start a 9,000-byte message and never finish it.
        for (int csid = 4; csid <= 5; csid++) {
            int n = new ChunkStreamEncoder().encode(csid, RtmpMessage.TYPE_VIDEO, 1, 0, ByteBuffer.allocate(9000), 0, 9000,
                    out, written, out.capacity() - written);
            written += 12 + 128; // only the first chunk of each
            assertThat(n).isGreaterThan(9000);
        }
        Captures.decodeAll(decoder, wire(), 1000);
        assertThat(decoder.failure()).isEqualTo(ChunkFailure.BUFFER_LIMIT);
        assertThat(decoder.bufferedBytes()).isLessThanOrEqualTo(15_000);
    }

    @Test
    void failsOnContinuationWithoutAHeaderAndOnBadChunkSize() {
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        ByteBuffer garbage = ByteBuffer.wrap(new byte[] {(byte) 0xC3, 1, 2, 3});
        assertThat(decoder.decode(garbage, 0, 4, m -> true)).isEqualTo(-1);
        assertThat(decoder.failure()).isEqualTo(ChunkFailure.NO_PREVIOUS_HEADER);

        ChunkStreamDecoder zero = new ChunkStreamDecoder();
        ByteBuffer setZero = ByteBuffer.wrap(new byte[] {2, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0});
        assertThat(zero.decode(setZero, 0, 16, m -> true)).isEqualTo(-1);
        assertThat(zero.failure()).isEqualTo(ChunkFailure.BAD_CONTROL_MESSAGE);
        ChunkStreamDecoder negative = new ChunkStreamDecoder();
        ByteBuffer setNegative = ByteBuffer.wrap(new byte[] {2, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, (byte) 0x80, 0, 0, 1});
        assertThat(negative.decode(setNegative, 0, 16, m -> true)).isEqualTo(-1);
        ChunkStreamDecoder shortControl = new ChunkStreamDecoder();
        ByteBuffer setShort = ByteBuffer.wrap(new byte[] {2, 0, 0, 0, 0, 0, 2, 5, 0, 0, 0, 0, 0, 1});
        assertThat(shortControl.decode(setShort, 0, 14, m -> true)).isEqualTo(-1);
        assertThat(shortControl.failure()).isEqualTo(ChunkFailure.BAD_CONTROL_MESSAGE);
    }

    @Test
    void acceptsATypeOneHeaderOnAFreshChunkStreamAsLibrtmpSendsControls() {
        // librtmp's RTMP_SendCtrl: fmt 1 on csid 2 with no earlier chunk there; a Ping Response.
        ByteBuffer ping = ByteBuffer.wrap(new byte[] {0x42, 0, 0, 0, 0, 0, 6, 4, 0, 7, 0, 0, 0, 42});
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        List<Captures.Message> got = Captures.decodeAll(decoder, ping.array(), 1);
        assertThat(decoder.failure()).isNull();
        assertThat(got).hasSize(1);
        assertThat(got.get(0).streamId()).isZero();
        assertThat(RtmpControl.userControlEvent(got.get(0).view())).isEqualTo(RtmpControl.EVENT_PING_RESPONSE);
        assertThat(RtmpControl.userControlValue(got.get(0).view())).isEqualTo(42);
        ChunkStreamDecoder typeTwo = new ChunkStreamDecoder();
        assertThat(typeTwo.decode(ByteBuffer.wrap(new byte[] {(byte) 0x83, 0, 0, 1}), 0, 4, m -> true)).isEqualTo(-1);
        assertThat(typeTwo.failure()).isEqualTo(ChunkFailure.NO_PREVIOUS_HEADER);
    }

    @Test
    void failsOnANewHeaderInTheMiddleOfAMessage() {
        int n = encoder.encode(4, RtmpMessage.TYPE_VIDEO, 1, 0, ByteBuffer.allocate(300), 0, 300, out, 0, out.capacity());
        written = 12 + 128;
        written += new ChunkStreamEncoder().encode(4, RtmpMessage.TYPE_VIDEO, 1, 0, ByteBuffer.allocate(3), 0, 3, out, written, 100);
        assertThat(n).isPositive();
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        Captures.decodeAll(decoder, wire(), 1000);
        assertThat(decoder.failure()).isEqualTo(ChunkFailure.INTERRUPTED_MESSAGE);
    }

    @Test
    void leavesAnIncompleteHeaderUnconsumed() {
        encode(400, RtmpMessage.TYPE_VIDEO, 1, 0x01000000, new byte[10]);
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        ByteBuffer in = ByteBuffer.wrap(wire());
        // 3 basic + 11 + 4 extended = 18-byte header: nothing is consumed before all of it is here.
        for (int i = 0; i < 18; i++) {
            assertThat(decoder.decode(in, 0, i, m -> true)).isZero();
        }
        assertThat(decoder.decode(in, 0, written, m -> true)).isEqualTo(written);
        assertThat(decoder.failure()).isNull();
    }
}
