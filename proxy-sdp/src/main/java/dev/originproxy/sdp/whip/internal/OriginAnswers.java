package dev.originproxy.sdp.whip.internal;

import dev.originproxy.core.api.ApiResponse;
import dev.originproxy.core.balancer.BalancerUnavailableException;
import dev.originproxy.core.balancer.OriginRegistry;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.sdp.SrsEnvelope;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What of an origin's answer may reach a client: the one place the forwarder scrubs origin
 * answers. Error bodies and passed header values lose every IP address and port of any origin
 * (the registered ones, and any IPv4 or bracketed IPv6 literal, with its port); error bodies are
 * cut to one short line; a legacy JSON refusal ({@code code != 0}) is reduced to its code and a
 * reason.
 *
 * <p>Thread-safe.
 */
public final class OriginAnswers {
    /** Origin headers a client sees on success. */
    public static final List<String> PASSED_HEADERS = List.of("Content-Type", "ETag", "Link", "Accept-Patch");
    private static final int MAX_ERROR_TEXT = 512;
    private static final int MAX_REASON = 200;
    private static final Pattern IPV4_AND_PORT = Pattern.compile("(?<![\\w.])(?:\\d{1,3}\\.){3}\\d{1,3}(?::\\d{1,5})?(?![\\w.])");
    private static final Pattern BRACKETED_IPV6_AND_PORT = Pattern.compile("\\[[0-9A-Fa-f:.%]+](?::\\d{1,5})?");
    private static final Pattern MEDIA_TYPE = Pattern.compile("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+");
    private static final String REDACTED = "origin";

    private final OriginRegistry registry;

    /** @param registry where the origins whose addresses are removed are listed */
    public OriginAnswers(OriginRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The origin's error status and body, addresses removed, at most a short text. */
    public ApiResponse passThroughError(HttpResponse<byte[]> resp) {
        String text = scrub(new String(resp.body(), StandardCharsets.UTF_8));
        if (text.length() > MAX_ERROR_TEXT) {
            text = text.substring(0, MAX_ERROR_TEXT);
        }
        String type = resp.headers().firstValue("Content-Type").map(String::trim).orElse("");
        var m = MEDIA_TYPE.matcher(type);
        return ApiResponse.builder(resp.statusCode())
                .header("Content-Type", m.lookingAt() ? m.group() : "text/plain")
                .header("X-Error-Reason", "origin answered " + resp.statusCode())
                .body(text).build();
    }

    /**
     * A legacy JSON refusal reduced to {@code {"code":N,"reason":"..."}}: the origin's own
     * {@code error}/{@code msg} text when it has one (scrubbed, one line, short), else a fixed
     * reason. Nothing else of the origin's envelope (server id, pid, service) reaches the client.
     */
    public ApiResponse legacyRefusal(SrsEnvelope answer, long code) {
        String reason = answer.stringField("error").or(() -> answer.stringField("msg"))
                .map(this::scrub).map(r -> r.replace('\r', ' ').replace('\n', ' '))
                .map(r -> r.length() > MAX_REASON ? r.substring(0, MAX_REASON) : r)
                .orElse("origin refused the session");
        return ApiResponse.json(200, "{\"code\":" + code + ",\"reason\":\"" + ApiResponse.jsonEscape(reason) + "\"}");
    }

    /** The text without any origin's address or port, nor any other IP literal. */
    public String scrub(String text) {
        String out = scrubRegistered(text);
        out = IPV4_AND_PORT.matcher(out).replaceAll(REDACTED);
        return BRACKETED_IPV6_AND_PORT.matcher(out).replaceAll(REDACTED);
    }

    /**
     * The text without the registered origins' addresses; other IP literals stay (a {@code Link}
     * header's STUN/TURN server is meant for the client).
     */
    private String scrubRegistered(String text) {
        List<OriginServer> origins;
        try {
            origins = registry.liveOrigins();
        } catch (BalancerUnavailableException e) {
            origins = List.of();
        }
        String out = text;
        for (OriginServer o : origins) {
            // the pattern needs the address as it is: most values (every Location, most ETags)
            // never hold it, and compiling a pattern per origin per value is kilobytes per answer
            if (!o.ip().isEmpty() && out.contains(o.ip())) {
                String ip = Pattern.quote(o.ip());
                out = Pattern.compile("\\[" + ip + "](?::\\d{1,5})?|" + ip + "(?::\\d{1,5})?").matcher(out)
                        .replaceAll(REDACTED);
            }
        }
        return out;
    }

    /** Copies the passed headers of a successful answer, scrubbed. */
    public void copyPassedHeaders(HttpResponse<byte[]> resp, ApiResponse.Builder b) {
        for (String h : PASSED_HEADERS) {
            resp.headers().allValues(h).forEach(v -> b.header(h, scrubRegistered(v)));
        }
    }

}
