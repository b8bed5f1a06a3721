package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.sdp.SdpException;

/**
 * Small response helpers shared by the forwarder's handlers: CORS headers, 405 with
 * {@code Allow}, the status for a bad SDP.
 *
 * <p>Stateless and thread-safe.
 */
public final class Responses {
    private Responses() {
    }

    /** 405 with an {@code Allow} header. */
    public static ApiResponse methodNotAllowed(String allow) {
        return copyWith(ApiResponse.error(405, "method not allowed"), "Allow", allow);
    }

    /** 413 for an SDP over the size limit, else 400. */
    public static ApiResponse badSdp(SdpException e) {
        if (e.reason() == SdpException.Reason.TOO_LARGE) {
            return ApiResponse.error(413, e.getMessage());
        }
        return ApiResponse.error(400, "bad SDP: " + e.getMessage());
    }

    /** The response with the CORS headers a browser WHIP/WHEP client needs. */
    public static ApiResponse cors(ApiResponse r) {
        ApiResponse.Builder b = ApiResponse.builder(r.status());
        r.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
        b.header("Access-Control-Allow-Origin", "*");
        b.header("Access-Control-Allow-Methods", "POST, PATCH, DELETE, OPTIONS");
        b.header("Access-Control-Allow-Headers", "Content-Type, Authorization, If-Match");
        b.header("Access-Control-Expose-Headers", "Location, ETag, Link, Accept-Patch");
        return b.body(r.body()).build();
    }

    /** The response with one more header. */
    public static ApiResponse copyWith(ApiResponse r, String name, String value) {
        ApiResponse.Builder b = ApiResponse.builder(r.status());
        r.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
        return b.header(name, value).body(r.body()).build();
    }
}
