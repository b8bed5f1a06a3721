package dev.originproxy.rtmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class RtmpHandshakeTest {
    private static final int S1 = 1;
    private static final int S2 = 1 + RtmpHandshake.PACKET_LENGTH;
    private static final int C2 = RtmpHandshake.C0_C1_LENGTH;

    private final RtmpHandshake packet = new RtmpHandshake();
    private final RtmpHandshakeWriter writer = new RtmpHandshakeWriter(new SplittableRandom(7));

    @Test
    void recognisesFfmpegDigestHelloSchema1() {
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.FFMPEG_PUBLISH));
        assertThat(packet.wrapWithVersionByte(c, 0, RtmpHandshake.C0_C1_LENGTH)).isTrue();
        assertThat(packet.version()).isEqualTo(0x09007C02);
        assertThat(packet.detectForm(true)).isEqualTo(HandshakeForm.DIGEST_SCHEMA_1);
        assertThat(packet.digestOffset()).isBetween(12, 771);
    }

    @Test
    void recognisesLibrtmpDefaultHelloAsSimple() {
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.RTMPDUMP_PLAY));
        assertThat(packet.wrapWithVersionByte(c, 0, c.capacity())).isTrue();
        assertThat(packet.version()).isZero();
        assertThat(packet.detectForm(true)).isEqualTo(HandshakeForm.SIMPLE);
        assertThat(packet.digestOffset()).isEqualTo(-1);
    }

    @Test
    void recognisesLibrtmpFp9HelloAsDigest() {
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.RTMPDUMP_FP9_PLAY));
        assertThat(packet.wrapWithVersionByte(c, 0, c.capacity())).isTrue();
        assertThat(packet.version()).isEqualTo(0x0A002D02);
        assertThat(packet.detectForm(true)).isEqualTo(HandshakeForm.DIGEST_SCHEMA_1);
    }

    @Test
    void recognisesNginxPushClientHelloAndItsSignedC2() {
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.NGINX_PUSH));
        ByteBuffer s = ByteBuffer.wrap(Captures.serverBytes(Captures.NGINX_PUSH));
        assertThat(packet.wrapWithVersionByte(c, 0, c.capacity())).isTrue();
        assertThat(packet.version()).isEqualTo(0x0C000D0E);
        assertThat(packet.detectForm(true)).isEqualTo(HandshakeForm.DIGEST_SCHEMA_1);
        RtmpHandshake s1 = new RtmpHandshake();
        s1.wrapWithVersionByte(s, 0, s.capacity());
        assertThat(s1.detectForm(false)).isEqualTo(HandshakeForm.DIGEST_SCHEMA_1);
        byte[] s1Digest = new byte[32];
        s1.copyDigest(s1Digest);
        RtmpHandshake c2 = new RtmpHandshake();
        c2.wrap(c, C2, RtmpHandshake.PACKET_LENGTH);
        assertThat(c2.verifySignature(false, s1Digest)).isTrue();
    }

    @Test
    void nginxAnswersEachClientInItsForm() {
        // Digest client (ffmpeg): S1 with a server digest, S2 signed with the C1 digest.
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.FFMPEG_PLAY));
        ByteBuffer s = ByteBuffer.wrap(Captures.serverBytes(Captures.FFMPEG_PLAY));
        RtmpHandshake c1 = new RtmpHandshake();
        c1.wrapWithVersionByte(c, 0, c.capacity());
        byte[] c1Digest = new byte[32];
        c1.detectForm(true);
        assertThat(c1.copyDigest(c1Digest)).isTrue();
        assertThat(packet.wrapWithVersionByte(s, 0, s.capacity())).isTrue();
        assertThat(packet.detectForm(false)).isEqualTo(HandshakeForm.DIGEST_SCHEMA_1);
        byte[] s1Digest = new byte[32];
        packet.copyDigest(s1Digest);
        RtmpHandshake s2 = new RtmpHandshake();
        assertThat(s2.wrap(s, S2, RtmpHandshake.PACKET_LENGTH)).isTrue();
        assertThat(s2.verifySignature(true, c1Digest)).isTrue();
        // ffmpeg, playing, signs its C2 with nginx's S1 digest.
        RtmpHandshake c2 = new RtmpHandshake();
        c2.wrap(c, C2, RtmpHandshake.PACKET_LENGTH);
        assertThat(c2.verifySignature(false, s1Digest)).isTrue();

        // Simple client (librtmp default): S1 without version, S2 = C1.
        ByteBuffer rc = ByteBuffer.wrap(Captures.clientBytes(Captures.RTMPDUMP_PLAY));
        ByteBuffer rs = ByteBuffer.wrap(Captures.serverBytes(Captures.RTMPDUMP_PLAY));
        packet.wrapWithVersionByte(rs, 0, rs.capacity());
        assertThat(packet.detectForm(false)).isEqualTo(HandshakeForm.SIMPLE);
        assertThat(s2.wrap(rs, S2, RtmpHandshake.PACKET_LENGTH)).isTrue();
        assertThat(s2.isEchoOf(rc, 1)).isTrue();
    }

    @Test
    void answersDigestClientWithS1DigestAndS2SignatureFfmpegChecks() {
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.FFMPEG_PLAY));
        RtmpHandshake c1 = new RtmpHandshake();
        c1.wrapWithVersionByte(c, 0, c.capacity());
        ByteBuffer out = ByteBuffer.allocate(RtmpHandshake.S0_S1_S2_LENGTH);
        assertThat(writer.writeServerHello(c1, 1234, out, 0, out.capacity())).isEqualTo(RtmpHandshake.S0_S1_S2_LENGTH);
        assertThat(out.get(0)).isEqualTo((byte) 3);
        assertThat(packet.wrap(out, S1, RtmpHandshake.PACKET_LENGTH)).isTrue();
        assertThat(packet.time()).isEqualTo(1234);
        assertThat(packet.version()).isEqualTo(RtmpHandshakeWriter.SERVER_VERSION);
        assertThat(packet.detectForm(false)).isEqualTo(HandshakeForm.DIGEST_SCHEMA_1);
        byte[] c1Digest = new byte[32];
        c1.copyDigest(c1Digest);
        RtmpHandshake s2 = new RtmpHandshake();
        s2.wrap(out, S2, RtmpHandshake.PACKET_LENGTH);
        assertThat(s2.verifySignature(true, c1Digest)).isTrue();
    }

    @Test
    void answersSimpleClientWithEchoedC1() {
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.RTMPDUMP_PLAY));
        RtmpHandshake c1 = new RtmpHandshake();
        c1.wrapWithVersionByte(c, 0, c.capacity());
        ByteBuffer out = ByteBuffer.allocate(RtmpHandshake.S0_S1_S2_LENGTH);
        writer.writeServerHello(c1, 0, out, 0, out.capacity());
        packet.wrap(out, S1, RtmpHandshake.PACKET_LENGTH);
        assertThat(packet.version()).isZero();
        RtmpHandshake s2 = new RtmpHandshake();
        s2.wrap(out, S2, RtmpHandshake.PACKET_LENGTH);
        assertThat(s2.isEchoOf(c, 1)).isTrue();
    }

    @Test
    void clientRoleInBothSchemasAndSimpleFormAgreesWithTheServerRole() {
        for (HandshakeForm form : HandshakeForm.values()) {
            ByteBuffer hello = ByteBuffer.allocate(RtmpHandshake.C0_C1_LENGTH);
            assertThat(writer.writeClientHello(form, 99, hello, 0, hello.capacity())).isEqualTo(RtmpHandshake.C0_C1_LENGTH);
            RtmpHandshake c1 = new RtmpHandshake();
            assertThat(c1.wrapWithVersionByte(hello, 0, hello.capacity())).isTrue();
            assertThat(c1.detectForm(true)).as("%s", form).isEqualTo(form);

            ByteBuffer answer = ByteBuffer.allocate(RtmpHandshake.S0_S1_S2_LENGTH);
            writer.writeServerHello(c1, 5, answer, 0, answer.capacity());
            RtmpHandshake s1 = new RtmpHandshake();
            s1.wrapWithVersionByte(answer, 0, answer.capacity());
            assertThat(s1.detectForm(false)).isEqualTo(form);

            ByteBuffer c2 = ByteBuffer.allocate(RtmpHandshake.PACKET_LENGTH);
            assertThat(writer.writeClientAck(s1, c2, 0, c2.capacity())).isEqualTo(RtmpHandshake.PACKET_LENGTH);
            RtmpHandshake c2Packet = new RtmpHandshake();
            c2Packet.wrap(c2, 0, RtmpHandshake.PACKET_LENGTH);
            if (form.hasDigest()) {
                byte[] s1Digest = new byte[32];
                s1.copyDigest(s1Digest);
                assertThat(c2Packet.verifySignature(false, s1Digest)).isTrue();
            } else {
                assertThat(c2Packet.isEchoOf(answer, S1)).isTrue();
            }
        }
    }

    @Test
    void answersNginxDigestS1WithSignedC2AndEchoesSimpleS1() {
        ByteBuffer s = ByteBuffer.wrap(Captures.serverBytes(Captures.FFMPEG_PUBLISH));
        RtmpHandshake s1 = new RtmpHandshake();
        s1.wrapWithVersionByte(s, 0, s.capacity());
        ByteBuffer c2 = ByteBuffer.allocate(RtmpHandshake.PACKET_LENGTH);
        writer.writeClientAck(s1, c2, 0, c2.capacity());
        byte[] s1Digest = new byte[32];
        s1.copyDigest(s1Digest);
        packet.wrap(c2, 0, c2.capacity());
        assertThat(packet.verifySignature(false, s1Digest)).isTrue();
    }

    @Test
    void versionWithoutValidDigestIsTreatedAsSimpleLikeNginx() {
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.FFMPEG_PUBLISH).clone());
        c.put(600, (byte) (c.get(600) ^ 0x55)); // inside the digest-covered bytes
        packet.wrapWithVersionByte(c, 0, c.capacity());
        assertThat(packet.detectForm(true)).isEqualTo(HandshakeForm.SIMPLE);
    }

    @Test
    void rejectsEncryptedUnknownAndTruncatedHellos() {
        FailureCounts<HandshakeFailure> counts = new FailureCounts<>(HandshakeFailure.class);
        RtmpHandshake p = new RtmpHandshake(counts);
        ByteBuffer b = ByteBuffer.allocate(RtmpHandshake.C0_C1_LENGTH);
        b.put(0, (byte) 6);
        assertThat(p.wrapWithVersionByte(b, 0, b.capacity())).isFalse();
        assertThat(p.failure()).isEqualTo(HandshakeFailure.ENCRYPTED_VERSION);
        b.put(0, (byte) 'G'); // "GET / HTTP/1.1"
        assertThat(p.wrapWithVersionByte(b, 0, b.capacity())).isFalse();
        assertThat(p.failure()).isEqualTo(HandshakeFailure.UNSUPPORTED_VERSION);
        b.put(0, (byte) 3);
        assertThat(p.wrapWithVersionByte(b, 0, 1000)).isFalse();
        assertThat(p.failure()).isEqualTo(HandshakeFailure.TRUNCATED);
        assertThat(p.wrapWithVersionByte(b, 0, 0)).isFalse();
        assertThat(p.wrap(b, 10, RtmpHandshake.PACKET_LENGTH)).isFalse();
        assertThat(counts.count(HandshakeFailure.ENCRYPTED_VERSION)).isEqualTo(1);
        assertThat(counts.count(HandshakeFailure.UNSUPPORTED_VERSION)).isEqualTo(1);
        assertThat(counts.count(HandshakeFailure.TRUNCATED)).isEqualTo(3);
    }

    @Test
    void refusesTamperedSignature() {
        FailureCounts<HandshakeFailure> counts = new FailureCounts<>(HandshakeFailure.class);
        ByteBuffer s = ByteBuffer.wrap(Captures.serverBytes(Captures.FFMPEG_PLAY).clone());
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.FFMPEG_PLAY));
        RtmpHandshake c1 = new RtmpHandshake();
        c1.wrapWithVersionByte(c, 0, c.capacity());
        c1.detectForm(true);
        byte[] d = new byte[32];
        c1.copyDigest(d);
        s.put(S2 + 10, (byte) (s.get(S2 + 10) + 1));
        RtmpHandshake s2 = new RtmpHandshake(counts);
        s2.wrap(s, S2, RtmpHandshake.PACKET_LENGTH);
        assertThat(s2.verifySignature(true, d)).isFalse();
        assertThat(counts.count(HandshakeFailure.DIGEST_MISMATCH)).isEqualTo(1);
    }

    @Test
    void writersRefuseTooSmallDestinations() {
        ByteBuffer c = ByteBuffer.wrap(Captures.clientBytes(Captures.FFMPEG_PLAY));
        RtmpHandshake c1 = new RtmpHandshake();
        c1.wrapWithVersionByte(c, 0, c.capacity());
        ByteBuffer small = ByteBuffer.allocate(3000);
        assertThat(writer.writeServerHello(c1, 0, small, 0, small.capacity())).isEqualTo(-1);
        assertThat(writer.writeClientHello(HandshakeForm.SIMPLE, 0, small, 2000, 1000)).isEqualTo(-1);
        assertThat(writer.writeClientAck(c1, small, 2000, 1000)).isEqualTo(-1);
    }
}
