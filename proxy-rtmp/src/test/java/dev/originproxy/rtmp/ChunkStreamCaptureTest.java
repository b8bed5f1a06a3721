package dev.originproxy.rtmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The decoder against what ffmpeg, librtmp and nginx-rtmp really sent. */
class ChunkStreamCaptureTest {
    private final RtmpCommand command = new RtmpCommand();

    @ParameterizedTest(name = "fed {0} bytes at a time")
    @ValueSource(ints = {1, 7, 128, 1500, 1 << 20})
    void decodesFfmpegPublishSessionWhateverTheReadSizes(int slice) {
        byte[] bytes = Captures.afterHandshake(Captures.clientBytes(Captures.FFMPEG_PUBLISH));
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        List<Captures.Message> ms = Captures.decodeAll(decoder, bytes, slice);

        assertThat(decoder.failure()).isNull();
        assertThat(decoder.bytesReceived()).isEqualTo(bytes.length);
        // connect is 140 bytes at chunk size 128: a type-3 continuation chunk.
        Captures.Message connect = ms.get(0);
        assertThat(connect.csid()).isEqualTo(3);
        assertThat(connect.payload()).hasSize(140);
        assertThat(command.wrap(connect.view())).isTrue();
        assertThat(command.nameEquals("connect")).isTrue();
        assertThat(command.transactionId()).isEqualTo(1.0);
        assertThat(command.commandObject().readValue()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("app", "live")
                .containsEntry("tcUrl", "rtmp://127.0.0.1:19360/live")
                .containsEntry("type", "nonprivate");
        // Then ffmpeg raises its chunk size to 4096, which the decoder follows.
        assertThat(ms.get(1).type()).isEqualTo(RtmpMessage.TYPE_SET_CHUNK_SIZE);
        assertThat(decoder.chunkSize()).isEqualTo(4096);
        assertThat(names(ms)).startsWith("connect", "", "releaseStream", "FCPublish", "createStream", "publish");
        Captures.Message publish = ms.get(5);
        assertThat(publish.streamId()).isEqualTo(1);
        command.wrap(publish.view());
        assertThat(command.hasCommandObject()).isTrue();
        assertThat(command.commandObjectIsObject()).isFalse();
        assertThat(command.arguments().readRemainingValues()).containsExactly("cap?token=abc", "live");
        assertThat(ms.subList(6, ms.size())).extracting(Captures.Message::type)
                .containsExactly(RtmpMessage.TYPE_DATA_AMF0, RtmpMessage.TYPE_VIDEO, RtmpMessage.TYPE_AUDIO,
                        RtmpMessage.TYPE_AUDIO);
    }

    @ParameterizedTest(name = "fed {0} bytes at a time")
    @ValueSource(ints = {1, 13, 4096, 1 << 20})
    void readsExtendedTimestampsRepeatedOnTypeThreeChunks(int slice) {
        byte[] bytes = Captures.afterHandshake(Captures.clientBytes(Captures.FFMPEG_PUBLISH_EXTENDED));
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        List<Captures.Message> ms = Captures.decodeAll(decoder, bytes, slice);

        assertThat(decoder.failure()).isNull();
        // The 5374-byte key frame spans two 4096-byte chunks; its continuation repeats the
        // extended timestamp, and everything after it still decodes in step.
        Captures.Message keyFrame = ms.stream().filter(m -> m.payload().length == 5374).findFirst().orElseThrow();
        assertThat(keyFrame.type()).isEqualTo(RtmpMessage.TYPE_VIDEO);
        assertThat(keyFrame.timestamp()).isEqualTo(17_000_000);
        List<Integer> videoTimes = ms.stream().filter(m -> m.type() == RtmpMessage.TYPE_VIDEO && m.timestamp() != 0)
                .map(Captures.Message::timestamp).toList();
        assertThat(videoTimes).containsExactly(17_000_000, 17_000_040, 17_000_080, 17_000_120);
        assertThat(ms.get(ms.size() - 1).timestamp()).isEqualTo(17_000_139);
    }

    @Test
    void decodesNginxAnswersAndMediaAtChunkSize4096() {
        byte[] bytes = Captures.afterHandshake(Captures.serverBytes(Captures.FFMPEG_PLAY));
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        List<Captures.Message> ms = Captures.decodeAll(decoder, bytes, 1000);

        assertThat(decoder.failure()).isNull();
        assertThat(decoder.peerWindowAckSize()).isEqualTo(5_000_000);
        assertThat(ms.get(0).type()).isEqualTo(RtmpMessage.TYPE_WINDOW_ACK_SIZE);
        assertThat(RtmpControl.value(ms.get(0).view())).isEqualTo(5_000_000);
        assertThat(ms.get(1).type()).isEqualTo(RtmpMessage.TYPE_SET_PEER_BANDWIDTH);
        assertThat(RtmpControl.peerBandwidthLimitType(ms.get(1).view())).isEqualTo(RtmpControl.LIMIT_DYNAMIC);
        assertThat(decoder.chunkSize()).isEqualTo(4096);
        command.wrap(ms.get(3).view());
        assertThat(command.nameEquals("_result")).isTrue();
        assertThat(command.arguments().readValue()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("code", "NetConnection.Connect.Success");
        Captures.Message streamBegin = ms.get(5);
        assertThat(streamBegin.type()).isEqualTo(RtmpMessage.TYPE_USER_CONTROL);
        assertThat(RtmpControl.userControlEvent(streamBegin.view())).isEqualTo(RtmpControl.EVENT_STREAM_BEGIN);
        assertThat(RtmpControl.userControlValue(streamBegin.view())).isEqualTo(1);
        command.wrap(ms.get(6).view());
        assertThat(command.nameEquals("onStatus")).isTrue();
        assertThat(command.arguments().readValue()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("code", "NetStream.Play.Start");
        Captures.Message keyFrame = ms.stream().filter(m -> m.payload().length == 5624).findFirst().orElseThrow();
        assertThat(keyFrame.timestamp()).isEqualTo(17_002_000);
        // Audio timestamps only move forward: the deltas on type-2/3 headers were applied.
        List<Integer> audio = ms.stream().filter(m -> m.type() == RtmpMessage.TYPE_AUDIO).map(Captures.Message::timestamp).toList();
        assertThat(audio).isSorted().hasSizeGreaterThan(15);
    }

    @Test
    void decodesLibrtmpPlayerCommandsAndSetBufferLength() {
        byte[] bytes = Captures.afterHandshake(Captures.clientBytes(Captures.RTMPDUMP_PLAY));
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        List<Captures.Message> ms = Captures.decodeAll(decoder, bytes, 3);

        assertThat(names(ms)).containsExactly("connect", "", "", "createStream", "play", "", "deleteStream");
        Captures.Message setBuffer = ms.get(2);
        assertThat(RtmpControl.userControlEvent(setBuffer.view())).isEqualTo(RtmpControl.EVENT_SET_BUFFER_LENGTH);
        assertThat(RtmpControl.bufferLength(setBuffer.view())).isPositive();
        command.wrap(ms.get(4).view());
        assertThat(command.arguments().readRemainingValues()).containsExactly("ext", 0.0, 1000.0);
    }

    @Test
    void decodesNginxPushClientCommands() {
        byte[] bytes = Captures.afterHandshake(Captures.clientBytes(Captures.NGINX_PUSH));
        ChunkStreamDecoder decoder = new ChunkStreamDecoder();
        List<Captures.Message> ms = Captures.decodeAll(decoder, bytes, 100);
        assertThat(decoder.failure()).isNull();
        assertThat(names(ms)).contains("connect", "createStream", "publish");
    }

    @Test
    void reChunkedSessionDecodesToTheSameMessages() {
        byte[] bytes = Captures.afterHandshake(Captures.serverBytes(Captures.FFMPEG_PLAY));
        List<Captures.Message> original = Captures.decodeAll(new ChunkStreamDecoder(), bytes, bytes.length);
        for (int chunkSize : new int[] {128, 60_000}) {
            ChunkStreamEncoder encoder = new ChunkStreamEncoder();
            ByteBuffer out = ByteBuffer.allocate(64 * 1024);
            int at = encoder.writeSetChunkSize(chunkSize, out, 0, out.capacity());
            for (Captures.Message m : original) {
                if (m.type() == RtmpMessage.TYPE_SET_CHUNK_SIZE) {
                    continue;
                }
                int n = encoder.encode(m.view(), out, at, out.capacity() - at);
                assertThat(n).isPositive();
                at += n;
            }
            byte[] wire = new byte[at];
            out.get(0, wire);
            List<Captures.Message> again = Captures.decodeAll(new ChunkStreamDecoder(), wire, 777);
            List<Captures.Message> expected = original.stream().filter(m -> m.type() != RtmpMessage.TYPE_SET_CHUNK_SIZE).toList();
            assertThat(again).hasSize(expected.size() + 1);
            for (int i = 0; i < expected.size(); i++) {
                Captures.Message a = again.get(i + 1);
                Captures.Message e = expected.get(i);
                assertThat(a.payload()).isEqualTo(e.payload());
                assertThat(a.timestamp()).isEqualTo(e.timestamp());
                assertThat(a.streamId()).isEqualTo(e.streamId());
                assertThat(a.type()).isEqualTo(e.type());
                assertThat(a.csid()).isEqualTo(e.csid());
            }
        }
    }

    private List<String> names(List<Captures.Message> ms) {
        return ms.stream().map(m -> command.wrap(m.view()) ? command.name() : "").toList();
    }
}
