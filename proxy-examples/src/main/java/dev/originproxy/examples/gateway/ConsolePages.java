package dev.originproxy.examples.gateway;

import dev.originproxy.core.api.ApiRequest;
import dev.originproxy.core.api.ApiResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The admin console at {@code /console/} on the system API: three static files shipped in the jar
 * (HTML, CSS, plain JavaScript; no library, no CDN, so it works offline) that read the JSON views
 * ({@code /api/v1/origins}, {@code /api/v1/streams}, {@code /api/v1/sessions}) and
 * {@code /metrics} every 2 s and draw origins, streams, sessions, drops by reason and a throughput
 * chart per protocol.
 *
 * <p>The files themselves hold no data and are served without a token; the data stays behind the
 * views' token: the page sends it as a bearer token when given one ({@code /console/?token=...}
 * or the token field it shows after a 401). Responses forbid framing and any origin but this one
 * (Content-Security-Policy), so the page cannot be embedded or made to talk elsewhere.
 *
 * <p>Immutable and thread-safe: the files are read once, at construction.
 */
final class ConsolePages {
    /** The path prefix the gateway mounts this handler on. */
    static final String PREFIX = "/console";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final Map<String, ApiResponse> pages;

    ConsolePages() {
        ApiResponse index = page("index.html", "text/html; charset=utf-8");
        this.pages = Map.of(
                "/console/", index,
                "/console/index.html", index,
                "/console/console.js", page("console.js", "text/javascript; charset=utf-8"),
                "/console/console.css", page("console.css", "text/css; charset=utf-8"));
    }

    /** Answers a request under {@code /console}; never throws. */
    ApiResponse handle(ApiRequest req) {
        if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
            ApiResponse e = ApiResponse.error(405, "method not allowed");
            ApiResponse.Builder b = ApiResponse.builder(405).header("Allow", "GET, HEAD");
            e.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
            return b.body(e.body()).build();
        }
        if (req.path().equals(PREFIX)) {
            // relative URLs in the page (console.js) resolve against the directory
            return ApiResponse.builder(301).header("Location", "/console/").body(new byte[0]).build();
        }
        ApiResponse page = pages.get(req.path());
        return page != null ? page : ApiResponse.error(404, "no such console file");
    }

    private static ApiResponse page(String name, String type) {
        try (InputStream in = ConsolePages.class.getResourceAsStream("console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("console file missing from the jar: " + name);
            }
            return ApiResponse.builder(200)
                    .header("Content-Type", type)
                    .header("Cache-Control", "no-cache")
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Content-Security-Policy", CSP)
                    .header("Referrer-Policy", "no-referrer")
                    .body(in.readAllBytes())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
