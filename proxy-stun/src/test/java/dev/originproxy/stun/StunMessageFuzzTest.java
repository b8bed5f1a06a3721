package dev.originproxy.stun;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing of {@link StunMessage#wrap} with every accessor and the verifier: no
 * input may make any of them throw, and a valid message must keep its structural invariants.
 *
 * <p>A plain {@code mvn test} replays the seeds in
 * {@code src/test/resources/dev/originproxy/stun/StunMessageFuzzTestInputs/} (the RFC 5769
 * vectors and malformed messages); {@code JAZZER_FUZZ=1} fuzzes for real (see FUZZING.md).
 */
class StunMessageFuzzTest {

    private static final int LEAD = 3;

    private final StunMessage message = new StunMessage();
    private final StunVerifier verifier = new StunVerifier();
    private final StunIntegrityKey key = StunIntegrityKey.shortTerm(StunVectors.PASSWORD);
    private final byte[] scratch = new byte[16];

    @FuzzTest(maxDuration = "30s")
    void fuzzWrapAccessorsAndVerifier(byte[] data) {
        ByteBuffer heap = ByteBuffer.allocate(LEAD + data.length);
        heap.put(LEAD, data);
        exercise(heap, LEAD, data.length);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
        direct.put(0, data);
        exercise(direct, 0, data.length);
    }

    private void exercise(ByteBuffer buf, int offset, int length) {
        boolean valid = message.wrap(buf, offset, length);
        assertThat(message.isValid()).isEqualTo(valid);
        PacketKind kind = PacketKind.classify(buf, offset);
        if (valid) {
            // RFC 7983 routes only 0-3 to STUN, but RFC 8489 allows any type below 0x4000.
            assertThat(buf.get(offset) & 0xC0).isZero();
            assertThat(kind == PacketKind.STUN).isEqualTo(buf.get(offset) <= 3);
            assertThat(message.length()).isEqualTo(length);
        }
        message.messageType();
        message.method();
        message.messageClass();
        message.isBindingRequest();
        message.transactionIdEquals(scratch, 0);
        message.copyTransactionId(scratch, 0);
        message.usernameEquals(scratch, 0, message.hasUsername() ? 9 : 0);
        message.usernameOffset();
        message.usernameLength();
        message.username();
        message.priority();
        message.hasUseCandidate();
        message.iceControlled();
        message.iceControlling();
        message.errorCode();
        message.errorReason();
        message.xorMappedPort();
        message.copyXorMappedAddress(scratch, 0);
        message.xorMappedAddress();
        message.findAttribute(StunAttribute.SOFTWARE);
        message.toString();
        int attributes = 0;
        for (int at = message.firstAttribute(); at >= 0; at = message.nextAttribute(at)) {
            assertThat(at + 4 + message.attributeLength(at)).isLessThanOrEqualTo(offset + length);
            message.attributeType(at);
            message.attributeText(at);
            attributes++;
        }
        assertThat(attributes).isLessThanOrEqualTo(Math.max(0, (length - 20) / 4));
        boolean integrity = verifier.verifyIntegrity(message, key);
        verifier.verifyIntegritySha256(message, key);
        boolean fingerprint = verifier.verifyFingerprint(message);
        if (integrity || fingerprint) {
            assertThat(valid).isTrue();
        }
    }
}
