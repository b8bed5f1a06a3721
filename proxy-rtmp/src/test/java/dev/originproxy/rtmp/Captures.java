package dev.originproxy.rtmp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Byte captures of real RTMP sessions against nginx-rtmp on loopback (see
 * {@code src/test/resources/captures/README.md}): {@code <name>-c2s.bin} is what the client sent,
 * {@code <name>-s2c.bin} what nginx-rtmp sent, each from the first handshake byte.
 */
final class Captures {
    /** ffmpeg 5.1 publishing (native rtmp), digest handshake, C2 = S1 echo. */
    static final String FFMPEG_PUBLISH = "ffpub";
    /** ffmpeg publishing with timestamps beyond 0xFFFFFF (-output_ts_offset 17000). */
    static final String FFMPEG_PUBLISH_EXTENDED = "ffpubext";
    /** ffmpeg playing: digest handshake with a signed C2, nginx media with extended timestamps. */
    static final String FFMPEG_PLAY = "ffplay";
    /** rtmpdump 2.4 (librtmp) playing: simple handshake. */
    static final String RTMPDUMP_PLAY = "rtmpdump";
    /** nginx-rtmp pushing to another nginx-rtmp: nginx as a client. */
    static final String NGINX_PUSH = "nginxpush";
    /** rtmpdump with -w/-x (SWF verification): librtmp's FP9 digest handshake. */
    static final String RTMPDUMP_FP9_PLAY = "rtmpdumpfp9";

    private Captures() {
    }

    static byte[] clientBytes(String name) {
        return load(name + "-c2s.bin");
    }

    static byte[] serverBytes(String name) {
        return load(name + "-s2c.bin");
    }

    static byte[] load(String file) {
        try (InputStream in = Captures.class.getResourceAsStream("/captures/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing capture " + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The chunk-stream bytes after the handshake (C0 C1 C2 or S0 S1 S2, 3073 bytes). */
    static byte[] afterHandshake(byte[] capture) {
        byte[] out = new byte[capture.length - RtmpHandshake.S0_S1_S2_LENGTH];
        System.arraycopy(capture, RtmpHandshake.S0_S1_S2_LENGTH, out, 0, out.length);
        return out;
    }

    /** A decoded message, copied out of the decoder's buffers. */
    record Message(int csid, int type, int streamId, int timestamp, byte[] payload) {
        ByteBuffer payloadBuffer() {
            return ByteBuffer.wrap(payload);
        }

        RtmpMessage view() {
            return new RtmpMessage().set(csid, type, streamId, timestamp, payloadBuffer(), 0, payload.length);
        }
    }

    /** A handler that copies every message. */
    static final class Collector implements RtmpMessageHandler {
        final List<Message> messages = new ArrayList<>();

        @Override
        public boolean onMessage(RtmpMessage m) {
            byte[] p = new byte[m.length()];
            m.buffer().get(m.offset(), p, 0, p.length);
            messages.add(new Message(m.chunkStreamId(), m.typeId(), m.streamId(), m.timestamp(), p));
            return true;
        }
    }

    /**
     * Feeds {@code bytes} to a decoder in slices of {@code slice} bytes, keeping unconsumed bytes
     * as a reading loop over a socket would; truncated trailing input is left over.
     *
     * @return the messages decoded
     */
    static List<Message> decodeAll(ChunkStreamDecoder decoder, byte[] bytes, int slice) {
        Collector c = new Collector();
        ByteBuffer in = ByteBuffer.allocate(bytes.length + 64);
        int fed = 0;
        int held = 0;
        while (fed < bytes.length) {
            int n = Math.min(slice, bytes.length - fed);
            in.put(held, bytes, fed, n);
            fed += n;
            held += n;
            int used = decoder.decode(in, 0, held, c);
            if (used < 0) {
                break;
            }
            in.put(0, in, used, held - used);
            held -= used;
        }
        return c.messages;
    }
}
