package dev.originproxy.srt;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.originproxy.core.InvalidStreamKeyException;

/**
 * Coverage-guided fuzzing of the stream-id path: SID encode/decode round trip and the
 * access-control parser with its stream-key derivation. The only exception allowed out of the
 * parser is {@link InvalidStreamKeyException} with a one-line reason. Seeds live under
 * {@code SrtStreamIdFuzzTestInputs/}; see {@code FUZZING.md}.
 */
class SrtStreamIdFuzzTest {
    private final ByteBuffer block = ByteBuffer.allocate(4 + 65535 * 4);
    private final byte[] decoded = new byte[65535 * 4];
    private final SrtHandshake handshake = new SrtHandshake();

    @FuzzTest
    void parserRejectsOnlyWithOneLineReason(byte[] input) {
        if (input.length > 65535 * 4) {
            return; // longer than any extension block can be: the writer's refusal is tested elsewhere
        }
        int n = SrtHandshake.writeStringExtension(block, 0, block.capacity(), SrtHandshake.EXT_FILTER, input, 0, input.length);
        check(n == 4 + ((input.length + 3) & ~3), "string block length");
        check(handshake.initialize(ByteBuffer.allocate(64 + n), 0, 64 + n), "initialize");
        check(handshake.appendExtension(SrtHandshake.EXT_FILTER, block, 4, n - 4) == 64 + n, "append");
        int len = handshake.extensionString(handshake.firstExtension(), decoded);
        int expected = 0;
        while (expected < input.length && input[expected] != 0) {
            check(decoded[expected] == input[expected], "round trip changed a byte");
            expected++;
        }
        check(len == expected, "round trip stops at the first zero byte");

        String text = new String(input, StandardCharsets.UTF_8);
        SrtStreamId id;
        try {
            id = SrtStreamId.parse(text);
        } catch (InvalidStreamKeyException e) {
            checkReason(e);
            return;
        }
        check(text.getBytes(StandardCharsets.UTF_8).length <= SrtHandshake.MAX_STREAM_ID_LENGTH, "long id accepted");
        check(id.isEmpty() == text.isEmpty(), "emptiness");
        try {
            id.toStreamKey();
        } catch (InvalidStreamKeyException e) {
            checkReason(e);
        }
    }

    private static void checkReason(InvalidStreamKeyException e) {
        String reason = e.getMessage();
        check(reason != null && !reason.isEmpty() && reason.indexOf('\n') < 0 && reason.indexOf('\r') < 0,
                "reason must be one line");
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
