package dev.originproxy.http.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.originproxy.core.InvalidStreamKeyException;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing of what the HTTP front reads from hostile clients and origins: the
 * request-head parser, the request copy, path decoding and stream-key mapping, and the
 * origin's response-head parser. None may throw anything but their documented one-line
 * refusals, nor report offsets outside the bytes given. Seeds under
 * {@code HttpHeadFuzzTestInputs/}; see {@code FUZZING.md}.
 */
class HttpHeadFuzzTest {
    private final HttpRequestHead request = new HttpRequestHead(1024, 4096, 32);
    private final HttpResponseHead response = new HttpResponseHead(4096, 32);
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(8192);
    private final InetSocketAddress client = new InetSocketAddress("127.0.0.1", 1);

    @FuzzTest
    void headParsersNeverThrowAndStayInBounds(byte[] input) {
        int length = Math.min(input.length, buffer.capacity() - 3);
        buffer.clear();
        buffer.position(3); // parsed at an offset, as in the engine's input buffer
        buffer.put(input, 0, length);
        switch (request.wrap(buffer, 3, length)) {
            case INVALID:
                check(request.error() != null, "invalid without a reason");
                break;
            case INCOMPLETE:
                check(length < 4096, "incomplete beyond the head bound");
                break;
            default:
                check(request.headLength() > 0 && request.headLength() <= length, "head length out of bounds");
                check(request.targetOffset() >= 3 && request.targetOffset() + request.targetLength() <= 3 + length,
                        "target out of bounds");
                HttpRequest copy = HttpRequest.of(request, client);
                check(copy.headers().size() == request.headerCount(), "copy lost fields");
                try {
                    RequestPaths.decode(copy.path());
                } catch (RequestPaths.BadPathException e) {
                    checkOneLine(e.getMessage());
                }
                try {
                    StreamRequests.keyOf(copy);
                } catch (InvalidStreamKeyException e) {
                    checkOneLine(e.getMessage());
                }
                OriginRequests.forward(copy);
        }
        switch (response.wrap(buffer, 3, length)) {
            case INVALID:
                checkOneLine(response.error());
                break;
            case COMPLETE:
                check(response.headLength() <= length && response.status() >= 100 && response.status() <= 999,
                        "response head out of bounds");
                response.reason();
                for (int i = 0; i < response.headerCount(); i++) {
                    response.headerName(i);
                    response.headerValue(i);
                }
                break;
            default:
        }
    }

    private static void checkOneLine(String reason) {
        check(reason != null && !reason.isEmpty() && reason.indexOf('\n') < 0 && reason.indexOf('\r') < 0,
                "reason must be one line");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
