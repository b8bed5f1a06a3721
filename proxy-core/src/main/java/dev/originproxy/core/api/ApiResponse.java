package dev.originproxy.core.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An HTTP response as a framework-neutral value. Header order is kept; names are as written.
 *
 * <p>Immutable and thread-safe once built.
 */
public final class ApiResponse {
    private final int status;
    private final Map<String, List<String>> headers;
    private final byte[] body;

    /**
     * @param status the HTTP status
     * @param headers header values by name
     * @param body the body, empty when none
     */
    public ApiResponse(int status, Map<String, List<String>> headers, byte[] body) {
        this.status = status;
        LinkedHashMap<String, List<String>> h = new LinkedHashMap<>();
        headers.forEach((k, v) -> h.put(k, List.copyOf(v)));
        this.headers = Collections.unmodifiableMap(h);
        this.body = body == null ? new byte[0] : body;
    }

    /** A JSON response. */
    public static ApiResponse json(int status, String json) {
        return builder(status).header("Content-Type", "application/json").body(json).build();
    }

    /**
     * An error with a one-line reason: {@code {"code":status,"error":"reason"}} as JSON. The
     * reason is also in the {@code X-Error-Reason} header so a client that ignores bodies sees it.
     */
    public static ApiResponse error(int status, String reason) {
        String oneLine = reason == null ? "error" : reason.replace('\r', ' ').replace('\n', ' ');
        return builder(status)
                .header("Content-Type", "application/json")
                .header("X-Error-Reason", oneLine)
                .body("{\"code\":" + status + ",\"error\":\"" + jsonEscape(oneLine) + "\"}")
                .build();
    }

    /** Escapes a string for a JSON string literal. */
    public static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.toString();
    }

    /** A builder for a response with {@code status}. */
    public static Builder builder(int status) {
        return new Builder(status);
    }

    /** The status code. */
    public int status() {
        return status;
    }

    /** Headers in the order they were added (unmodifiable). */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** The first value of a header (case-insensitive name), or null. */
    public String header(String name) {
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }

    /** The body, never null. */
    public byte[] body() {
        return body;
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ApiResponse{" + status + " " + headers + "}";
    }

    /** Builds an {@link ApiResponse}; not thread-safe. */
    public static final class Builder {
        private final int status;
        private final LinkedHashMap<String, List<String>> headers = new LinkedHashMap<>();
        private byte[] body = new byte[0];

        private Builder(int status) {
            this.status = status;
        }

        /** Adds a header value. */
        public Builder header(String name, String value) {
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            return this;
        }

        /** Sets the body. */
        public Builder body(byte[] bytes) {
            this.body = bytes;
            return this;
        }

        /** Sets a UTF-8 body. */
        public Builder body(String text) {
            return body(text.getBytes(StandardCharsets.UTF_8));
        }

        /** The response. */
        public ApiResponse build() {
            return new ApiResponse(status, headers, body);
        }
    }
}
