package dev.originproxy.srt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SrtHandshakeTest {
    private static final byte[] LOCALHOST = {127, 0, 0, 1};
    private static final int TIMESTAMP = 8;
    private static final int COOKIE = 44;

    @Test
    void inductionAnswerMatchesLibsrtListenerExceptCookieAndTimestamp() {
        SrtHandshake request = SrtVectors.handshake("a_streamid_access", "1-induction-request");
        byte[] expected = SrtVectors.bytes("a_streamid_access", "2-induction-response");
        ByteBuffer answer = ByteBuffer.allocate(100);

        int n = request.writeInductionResponse(answer, 0, 100, 0x12345678, 0, LOCALHOST, 777);

        assertThat(n).isEqualTo(SrtHandshake.LENGTH);
        byte[] written = Arrays.copyOf(answer.array(), n);
        assertThat(ByteBuffer.wrap(written).getInt(COOKIE)).isEqualTo(0x12345678);
        assertThat(ByteBuffer.wrap(written).getInt(TIMESTAMP)).isEqualTo(777);
        copyInt(expected, written, COOKIE);
        copyInt(expected, written, TIMESTAMP);
        assertThat(HexFormat.of().formatHex(written)).isEqualTo(HexFormat.of().formatHex(expected));
    }

    @Test
    void inductionAnswerAdvertisesKeyLengthLikeAPassphraseListener() {
        SrtHandshake request = SrtVectors.handshake("c_passphrase", "1-induction-request");
        byte[] expected = SrtVectors.bytes("c_passphrase", "2-induction-response");
        ByteBuffer answer = ByteBuffer.allocate(64);

        assertThat(request.writeInductionResponse(answer, 0, 64, 1, 16, LOCALHOST, 0)).isEqualTo(64);

        byte[] written = answer.array();
        copyInt(expected, written, COOKIE);
        copyInt(expected, written, TIMESTAMP);
        assertThat(written).isEqualTo(expected);
    }

    @Test
    void inductionAnswerCanBeWrittenInPlaceOverTheRequest() {
        ByteBuffer buf = SrtVectors.buffer("e_ipv6", "1-induction-request");
        SrtHandshake hs = new SrtHandshake();
        assertThat(hs.wrap(buf, 0, buf.limit())).isTrue();
        byte[] ipv6Loopback = new byte[16];
        ipv6Loopback[15] = 1;

        assertThat(hs.writeInductionResponse(buf, 0, 64, 0x7347e8a4, 0, ipv6Loopback, 749175)).isEqualTo(64);

        assertThat(buf.array()).isEqualTo(SrtVectors.bytes("e_ipv6", "2-induction-response"));
    }

    @ParameterizedTest
    @CsvSource({"0,0", "16,2", "24,3", "32,4"})
    void encryptionFieldAdvertisesKeyLength(int keyLength, int field) {
        assertThat(SrtHandshake.encryptionFieldOfKeyLength(keyLength)).isEqualTo(field);
        assertThat(SrtHandshake.keyLengthOfEncryptionField(field)).isEqualTo(keyLength);
    }

    @Test
    void inductionAnswerRefusesBadArguments() {
        SrtHandshake induction = SrtVectors.handshake("a_streamid_access", "1-induction-request");
        SrtHandshake conclusion = SrtVectors.handshake("a_streamid_access", "3-conclusion-request");
        ByteBuffer dst = ByteBuffer.allocate(64);

        assertThat(induction.writeInductionResponse(dst, 0, 64, 1, 20, LOCALHOST, 0)).isEqualTo(-1);
        assertThat(induction.writeInductionResponse(dst, 0, 64, 1, 0, new byte[5], 0)).isEqualTo(-1);
        assertThat(induction.writeInductionResponse(dst, 0, 63, 1, 0, LOCALHOST, 0)).isEqualTo(-1);
        assertThat(induction.writeInductionResponse(dst, 1, 64, 1, 0, LOCALHOST, 0)).isEqualTo(-1);
        assertThat(conclusion.writeInductionResponse(dst, 0, 64, 1, 0, LOCALHOST, 0)).isEqualTo(-1);
    }

    @Test
    void badPassphraseRejectDecodesToBadSecret() {
        SrtHandshake reject = SrtVectors.handshake("f_bad_passphrase", "4-conclusion-reject");

        assertThat(reject.isRejection()).isTrue();
        assertThat(reject.rejectReasonCode()).isEqualTo(10);
        assertThat(reject.rejectReason()).isEqualTo(SrtRejectReason.BADSECRET);
        assertThat(reject.handshakeType()).isEqualTo(SrtRejectReason.BADSECRET.handshakeType());
    }

    @Test
    void rejectionWriterMatchesLibsrtRejectExceptTimestamp() {
        SrtHandshake request = SrtVectors.handshake("f_bad_passphrase", "3-conclusion-request");
        byte[] expected = SrtVectors.bytes("f_bad_passphrase", "4-conclusion-reject");
        ByteBuffer dst = ByteBuffer.allocate(64);

        int n = request.writeRejection(dst, 0, 64, SrtRejectReason.BADSECRET, 0x09af9989, 573540);

        assertThat(n).isEqualTo(64);
        assertThat(dst.array()).isEqualTo(expected);
    }

    @Test
    void rejectionCarriesAnApplicationCodeAsThousandPlusCode() {
        SrtHandshake request = SrtVectors.handshake("a_streamid_access", "3-conclusion-request");
        ByteBuffer dst = ByteBuffer.allocate(64);

        assertThat(request.writeRejection(dst, 0, 64, SrtRejectCodes.FORBIDDEN, 0, 1)).isEqualTo(64);

        SrtHandshake answer = new SrtHandshake();
        assertThat(answer.wrap(dst, 0, 64)).isTrue();
        assertThat(answer.handshakeType()).isEqualTo(2403);
        assertThat(answer.rejectReasonCode()).isEqualTo(SrtRejectCodes.FORBIDDEN);
        assertThat(answer.rejectReason()).isNull();
        assertThat(answer.destinationSocketId()).isEqualTo(0x1ee8bc6d);
        assertThat(answer.synCookie()).isEqualTo(0xda110995);
        assertThat(request.writeRejection(dst, 0, 64, -1, 0, 1)).isEqualTo(-1);
        assertThat(request.writeRejection(dst, 0, 63, 1403, 0, 1)).isEqualTo(-1);
    }

    @Test
    void everyBuiltInReasonRoundTripsThroughItsCode() {
        for (SrtRejectReason reason : SrtRejectReason.values()) {
            assertThat(SrtRejectReason.ofCode(reason.code())).isSameAs(reason);
            assertThat(SrtRejectCodes.reasonCodeOf(reason.handshakeType())).isEqualTo(reason.code());
        }
        assertThat(SrtRejectReason.CRYPTO.handshakeType()).isEqualTo(1017);
        assertThat(SrtRejectReason.ofCode(18)).isNull();
        assertThat(SrtRejectReason.ofCode(-1)).isNull();
        assertThat(SrtRejectCodes.reasonCodeOf(SrtHandshake.TYPE_CONCLUSION)).isEqualTo(-1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "#!::r=live/livestream,m=publish | a_streamid_access",
        "live/livestream                 | b_streamid_plain",
        "live/livestream1                | g_sid_16chars",
    })
    void streamIdEncodingIsByteIdenticalToLibsrt(String streamId, String scenario) {
        SrtHandshake captured = SrtVectors.handshake(scenario, "3-conclusion-request");
        int sid = captured.findExtension(SrtHandshake.EXT_SID);
        byte[] expected = new byte[4 + captured.extensionContentLength(sid)];
        captured.buffer().get(sid, expected);
        byte[] utf8 = streamId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer dst = ByteBuffer.allocate(600);

        int n = SrtHandshake.writeStringExtension(dst, 0, 600, SrtHandshake.EXT_SID, utf8, 0, utf8.length);

        assertThat(n).isEqualTo(expected.length);
        assertThat(Arrays.copyOf(dst.array(), n)).isEqualTo(expected);
    }

    @Test
    void streamIdDecodesIntoCallerBufferWithoutTerminatorWhenItFillsTheLastWord() {
        SrtHandshake hs = SrtVectors.handshake("g_sid_16chars", "3-conclusion-request");
        byte[] dst = new byte[SrtHandshake.MAX_STREAM_ID_LENGTH];

        int n = hs.streamId(dst);

        assertThat(new String(dst, 0, n, StandardCharsets.US_ASCII)).isEqualTo("live/livestream1");
        assertThat(hs.streamId(new byte[15])).isEqualTo(SrtHandshake.BUFFER_TOO_SMALL);
    }

    @Test
    void streamIdLongerThan512BytesIsNotEncoded() {
        byte[] tooLong = new byte[513];
        Arrays.fill(tooLong, (byte) 'a');
        ByteBuffer dst = ByteBuffer.allocate(1024);

        assertThat(SrtHandshake.writeStringExtension(dst, 0, 1024, SrtHandshake.EXT_SID, tooLong, 0, 513)).isEqualTo(-1);
        assertThat(SrtHandshake.writeStringExtension(dst, 0, 1024, SrtHandshake.EXT_SID, tooLong, 0, 512)).isEqualTo(516);
    }

    @Test
    void conclusionWithoutStreamIdHasNoSid() {
        SrtHandshake hs = SrtVectors.handshake("h_no_streamid", "3-conclusion-request");

        assertThat(hs.findExtension(SrtHandshake.EXT_SID)).isEqualTo(SrtHandshake.NO_EXTENSION);
        assertThat(hs.streamId()).isNull();
        assertThat(hs.streamId(new byte[512])).isEqualTo(SrtHandshake.NO_EXTENSION);
        assertThat(hs.findExtension(SrtHandshake.EXT_HSREQ)).isEqualTo(64);
    }

    @Test
    void extensionsAreFoundInWireOrderNotNumericOrder() {
        SrtHandshake hs = SrtVectors.handshake("c_passphrase", "3-conclusion-request");

        int first = hs.firstExtension();
        int second = hs.nextExtension(first);
        int third = hs.nextExtension(second);

        assertThat(new int[] {hs.extensionType(first), hs.extensionType(second), hs.extensionType(third)})
                .containsExactly(SrtHandshake.EXT_HSREQ, SrtHandshake.EXT_SID, SrtHandshake.EXT_KMREQ);
        assertThat(hs.nextExtension(third)).isEqualTo(SrtHandshake.NO_EXTENSION);
        assertThat(hs.findExtension(SrtHandshake.EXT_KMREQ)).isEqualTo(116);
        assertThat(hs.extensionContentLength(third)).isEqualTo(56);
    }

    @Test
    void writerRebuildsLibsrtConclusionResponseWithKeyMaterialPassThrough() {
        SrtHandshake request = SrtVectors.handshake("c_passphrase", "3-conclusion-request");
        byte[] expected = SrtVectors.bytes("c_passphrase", "4-conclusion-response");
        int km = request.findExtension(SrtHandshake.EXT_KMREQ);
        ByteBuffer out = ByteBuffer.allocate(1500);
        SrtHandshake response = new SrtHandshake();

        assertThat(response.initialize(out, 0, 1500)).isTrue();
        response.setTimestamp(1359);
        response.setDestinationSocketId(request.srtSocketId());
        response.setVersion(SrtHandshake.VERSION_5);
        response.setEncryptionField(request.encryptionField());
        response.setExtensionField(SrtHandshake.EXTENSION_FLAG_HSREQ | SrtHandshake.EXTENSION_FLAG_KMREQ);
        response.setInitialSequenceNumber(request.initialSequenceNumber());
        response.setMtu(request.mtu());
        response.setFlowWindow(request.flowWindow());
        response.setHandshakeType(SrtHandshake.TYPE_CONCLUSION);
        response.setSrtSocketId(0x2ef16b7f);
        response.setSynCookie(request.synCookie());
        assertThat(response.setPeerIp(LOCALHOST)).isTrue();
        assertThat(response.appendHandshakeExtension(SrtHandshake.EXT_HSRSP, 0x00010501, 0xbf, 120, 120)).isEqualTo(80);
        int n = response.appendExtension(SrtHandshake.EXT_KMRSP, request.buffer(),
                request.extensionContentOffset(km), request.extensionContentLength(km));

        assertThat(n).isEqualTo(expected.length);
        assertThat(Arrays.copyOf(out.array(), n)).isEqualTo(expected);
    }

    @Test
    void appendedStringExtensionsReadBack() {
        ByteBuffer out = ByteBuffer.allocate(200);
        SrtHandshake hs = new SrtHandshake();
        assertThat(hs.initialize(out, 0, 200)).isTrue();
        hs.setHandshakeType(SrtHandshake.TYPE_CONCLUSION);
        byte[] filter = "fec,cols:10".getBytes(StandardCharsets.US_ASCII);

        assertThat(hs.appendStreamId("#!::r=app/s,m=request")).isPositive();
        assertThat(hs.appendStringExtension(SrtHandshake.EXT_CONGESTION, "live".getBytes(StandardCharsets.US_ASCII), 0, 4)).isPositive();
        int length = hs.appendStringExtension(SrtHandshake.EXT_FILTER, filter, 0, filter.length);

        SrtHandshake read = new SrtHandshake();
        assertThat(read.wrap(out, 0, length)).isTrue();
        assertThat(read.streamId()).isEqualTo("#!::r=app/s,m=request");
        assertThat(read.extensionString(read.findExtension(SrtHandshake.EXT_CONGESTION))).isEqualTo("live");
        assertThat(read.extensionString(read.findExtension(SrtHandshake.EXT_FILTER))).isEqualTo("fec,cols:10");
        assertThat(read.findExtension(SrtHandshake.EXT_GROUP)).isEqualTo(SrtHandshake.NO_EXTENSION);
    }

    @Test
    void appendRefusesWhenCapacityIsExhausted() {
        ByteBuffer out = ByteBuffer.allocate(200);
        SrtHandshake hs = new SrtHandshake();
        assertThat(hs.initialize(out, 0, 79)).isTrue();

        assertThat(hs.appendHandshakeExtension(SrtHandshake.EXT_HSREQ, 1, 2, 3, 4)).isEqualTo(-1);
        assertThat(hs.appendStreamId("abcdefghijklmnop")).isEqualTo(-1);
        assertThat(hs.appendExtension(SrtHandshake.EXT_KMREQ, out, 0, 6)).isEqualTo(-1);
        assertThat(hs.length()).isEqualTo(64);
        assertThat(hs.initialize(out, 0, 63)).isFalse();
    }

    @Test
    void rendezvousWaveahandIsRecognisable() {
        SrtHandshake hs = SrtVectors.handshake("r_rendezvous", "1-waveahand-A10080");

        assertThat(hs.isWaveahand()).isTrue();
        assertThat(hs.isInduction()).isFalse();
        assertThat(hs.isConclusion()).isFalse();
        assertThat(SrtVectors.handshake("r_rendezvous", "7-agreement-B10081").isAgreement()).isTrue();
    }

    @Test
    void ipv6PeerIpDecodesToLoopback() throws Exception {
        SrtHandshake hs = SrtVectors.handshake("e_ipv6", "1-induction-request");

        assertThat(hs.peerIpIsIpv4()).isFalse();
        assertThat(hs.peerAddress()).isEqualTo(InetAddress.getByName("::1"));
        assertThat(SrtVectors.handshake("a_streamid_access", "1-induction-request").peerAddress())
                .isEqualTo(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void peerIpWriterReversesEachWord() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(64);
        SrtHandshake hs = new SrtHandshake();
        hs.initialize(out, 0, 64);

        assertThat(hs.setPeerIp(InetAddress.getByName("2001:db8::7").getAddress())).isTrue();
        assertThat(HexFormat.of().formatHex(out.array(), 48, 64)).isEqualTo("b80d0120000000000000000007000000");
        assertThat(hs.peerAddress()).isEqualTo(InetAddress.getByName("2001:db8::7"));
        assertThat(hs.setPeerIp(new byte[6])).isFalse();
    }

    @Test
    void readsInNetworkOrderWhateverTheBufferOrderAndAtAnOffset() {
        byte[] capture = SrtVectors.bytes("a_streamid_access", "3-conclusion-request");
        ByteBuffer buf = ByteBuffer.allocateDirect(capture.length + 10).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(7, capture);
        SrtHandshake hs = new SrtHandshake();

        assertThat(hs.wrap(buf, 7, capture.length)).isTrue();
        assertThat(hs.srtSocketId()).isEqualTo(0x1ee8bc6d);
        assertThat(hs.extensionField()).isEqualTo(5);
        assertThat(hs.streamId()).isEqualTo("#!::r=live/livestream,m=publish");
        assertThat(buf.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(buf.position()).isZero();
    }

    @Test
    void inPlaceSettersRewriteCookieAndSocketIds() {
        ByteBuffer buf = SrtVectors.buffer("a_streamid_access", "3-conclusion-request");
        SrtHandshake hs = new SrtHandshake();
        hs.wrap(buf, 0, buf.limit());

        hs.setSynCookie(0xCAFEBABE);
        hs.setDestinationSocketId(42);

        assertThat(buf.getInt(44)).isEqualTo(0xCAFEBABE);
        assertThat(buf.getInt(12)).isEqualTo(42);
        assertThat(hs.streamId()).isEqualTo("#!::r=live/livestream,m=publish");
    }

    static Stream<Arguments> malformedPackets() {
        byte[] conclusion = SrtVectors.bytes("a_streamid_access", "3-conclusion-request");
        byte[] induction = SrtVectors.bytes("a_streamid_access", "1-induction-request");
        byte[] lengthPastEnd = conclusion.clone();
        lengthPastEnd[80 + 3] = 9; // SID claims 9 words, only 8 follow
        byte[] hugeLength = conclusion.clone();
        hugeLength[64 + 2] = (byte) 0xFF;
        hugeLength[64 + 3] = (byte) 0xFF;
        byte[] data = induction.clone();
        data[0] = 0x00;
        byte[] shutdown = induction.clone();
        shutdown[1] = 0x05;
        ByteBuffer longSid = ByteBuffer.allocate(64 + 4 + 516);
        longSid.put(induction);
        longSid.putShort((short) SrtHandshake.EXT_SID).putShort((short) 129);
        return Stream.of(
                Arguments.of("empty", new byte[0]),
                Arguments.of("header only", Arrays.copyOf(induction, 16)),
                Arguments.of("one byte short of a handshake", Arrays.copyOf(induction, 63)),
                Arguments.of("data packet", data),
                Arguments.of("shutdown control packet", shutdown),
                Arguments.of("truncated extension header", Arrays.copyOf(conclusion, 66)),
                Arguments.of("truncated extension content", Arrays.copyOf(conclusion, 100)),
                Arguments.of("trailing bytes after last extension", Arrays.copyOf(conclusion, 118)),
                Arguments.of("extension length past end", lengthPastEnd),
                Arguments.of("extension length 0xFFFF words", hugeLength),
                Arguments.of("stream id longer than 512 bytes", longSid.array()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedPackets")
    void malformedHandshakeIsRejectedWithoutThrowing(String name, byte[] packet) {
        SrtHandshake hs = new SrtHandshake();

        assertThatCode(() -> assertThat(hs.wrap(ByteBuffer.wrap(packet), 0, packet.length)).isFalse())
                .doesNotThrowAnyException();
        assertThat(hs.firstExtension()).isEqualTo(SrtHandshake.MALFORMED_EXTENSION);
    }

    @Test
    void wrapRejectsRangesOutsideTheBuffer() {
        ByteBuffer buf = SrtVectors.buffer("a_streamid_access", "1-induction-request");
        SrtHandshake hs = new SrtHandshake();

        assertThat(hs.wrap(buf, 1, 64)).isFalse();
        assertThat(hs.wrap(buf, -1, 64)).isFalse();
        assertThat(hs.wrap(buf, 0, -1)).isFalse();
        assertThat(hs.wrap(buf, Integer.MAX_VALUE, 64)).isFalse();
        assertThat(hs.wrap(null, 0, 64)).isFalse();
        buf.limit(60);
        assertThat(hs.wrap(buf, 0, 64)).isFalse();
    }

    @Test
    void hsExtensionReadersReportShortBlocks() {
        ByteBuffer out = ByteBuffer.allocate(100);
        SrtHandshake hs = new SrtHandshake();
        hs.initialize(out, 0, 100);
        int length = hs.appendExtension(SrtHandshake.EXT_HSREQ, ByteBuffer.allocate(8), 0, 8);
        SrtHandshake read = new SrtHandshake();
        assertThat(read.wrap(out, 0, length)).isTrue();
        int ext = read.firstExtension();

        assertThat(read.srtVersion(ext)).isEqualTo(-1);
        assertThat(read.srtFlags(ext)).isEqualTo(-1);
        assertThat(read.receiverTsbpdDelay(ext)).isEqualTo(-1);
        assertThat(read.senderTsbpdDelay(ext)).isEqualTo(-1);
    }

    private static void copyInt(byte[] from, byte[] to, int at) {
        System.arraycopy(from, at, to, at, 4);
    }
}
