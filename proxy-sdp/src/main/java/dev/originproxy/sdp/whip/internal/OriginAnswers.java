package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.origin.OriginServer;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What of an origin's answer may reach a client: the headers passed on, and error bodies with
 * the origin's addresses removed. The one place the forwarder scrubs origin answers.
 *
 * <p>Stateless and thread-safe.
 */
public final class OriginAnswers {
    /** Origin headers a client sees on success. */
    public static final List<String> PASSED_HEADERS = List.of("Content-Type", "ETag", "Link", "Accept-Patch");
    private static final int MAX_ERROR_TEXT = 512;

    private OriginAnswers() {
    }

    /** The origin's error status and body, with its addresses removed. */
    public static ApiResponse passThroughError(HttpResponse<byte[]> resp, OriginServer origin) {
        String text = scrub(new String(resp.body(), StandardCharsets.UTF_8), origin);
        if (text.length() > MAX_ERROR_TEXT) {
            text = text.substring(0, MAX_ERROR_TEXT);
        }
        ApiResponse.Builder b = ApiResponse.builder(resp.statusCode())
                .header("Content-Type", resp.headers().firstValue("Content-Type").orElse("text/plain"))
                .header("X-Error-Reason", "origin answered " + resp.statusCode());
        return b.body(text).build();
    }

    /** The text without the origin's address. */
    public static String scrub(String text, OriginServer origin) {
        return text.replace(origin.ip(), "origin");
    }

    /** Copies the passed headers of a successful answer. */
    public static void copyPassedHeaders(HttpResponse<byte[]> resp, ApiResponse.Builder b) {
        for (String h : PASSED_HEADERS) {
            resp.headers().allValues(h).forEach(v -> b.header(h, v));
        }
    }
}
