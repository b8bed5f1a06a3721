package dev.originproxy.sdp.http.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTP/1.1 request head (RFC 9112 §2-§6) read strictly: origin-form target, token header
 * names, no line folding, one {@code Content-Length}, no {@code Transfer-Encoding}. A failure is
 * a {@link Refusal} with the status to answer.
 *
 * <p>Immutable once parsed.
 */
public final class RequestHead {
    private static final int MAX_HEADERS = 100;

    final String method;
    final String rawPath;
    final String path;
    final String rawQuery;
    final Map<String, List<String>> headers;
    final long contentLength;
    final boolean expectContinue;

    private RequestHead(String method, String rawPath, String path, String rawQuery,
                        Map<String, List<String>> headers, long contentLength, boolean expectContinue) {
        this.method = method;
        this.rawPath = rawPath;
        this.path = path;
        this.rawQuery = rawQuery;
        this.headers = headers;
        this.contentLength = contentLength;
        this.expectContinue = expectContinue;
    }

    /** The method, e.g. {@code POST}. */
    public String method() {
        return method;
    }

    /** The path as sent, percent-escapes kept. */
    public String rawPath() {
        return rawPath;
    }

    /** The percent-decoded path. */
    public String path() {
        return path;
    }

    /** The raw query, or null. */
    public String rawQuery() {
        return rawQuery;
    }

    /** Header values by case-insensitive name. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** A request the server answers with {@code status} and closes. */
    public static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refusal(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }

        /** The status to answer. */
        public int status() {
            return status;
        }
    }

    /** Parses the head bytes {@code [0, length)}, which end with CRLF CRLF. */
    static RequestHead parse(byte[] bytes, int length) throws Refusal {
        String text = new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        // Lines are found with indexOf, not split("\r\n"): a two-character separator is a regex
        // to split, so each request compiled a Pattern (about 0.8 KB of garbage per request).
        int lineEnd = text.indexOf("\r\n");
        String requestLine = text.substring(0, lineEnd);
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || !isToken(parts[0])) {
            throw new Refusal(400, "malformed request line");
        }
        if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
            throw new Refusal(505, "only HTTP/1.1 is served");
        }
        String target = parts[1];
        if (!target.startsWith("/")) {
            throw new Refusal(400, "request target must be a path");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new Refusal(400, "request target has characters that must be percent-encoded");
            }
        }
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        String rawQuery = q < 0 ? null : target.substring(q + 1);
        String path = percentDecode(rawPath);
        TreeMap<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int count = 0;
        // text ends with the last header line's CRLF and the empty line's CRLF
        for (int from = lineEnd + 2; from < text.length() - 2; ) {
            int eol = text.indexOf("\r\n", from);
            String line = text.substring(from, eol);
            from = eol + 2;
            if (line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new Refusal(400, "folded or empty header line");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.substring(0, colon))) {
                throw new Refusal(400, "malformed header line");
            }
            if (++count > MAX_HEADERS) {
                throw new Refusal(431, "more than " + MAX_HEADERS + " headers");
            }
            headers.computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
        }
        if (headers.containsKey("Transfer-Encoding")) {
            throw new Refusal(411, "chunked request bodies are not accepted; send Content-Length");
        }
        long contentLength = 0;
        List<String> cl = headers.get("Content-Length");
        if (cl != null) {
            String first = cl.get(0);
            for (String v : cl) {
                if (!v.equals(first)) {
                    throw new Refusal(400, "conflicting Content-Length");
                }
            }
            if (first.isEmpty() || first.length() > 12 || !first.chars().allMatch(Character::isDigit)) {
                throw new Refusal(400, "malformed Content-Length");
            }
            contentLength = Long.parseLong(first);
        }
        List<String> expect = headers.get("Expect");
        boolean expectContinue = expect != null && expect.get(0).toLowerCase(Locale.ROOT).equals("100-continue");
        return new RequestHead(parts[0], rawPath, path, rawQuery, headers, contentLength, expectContinue);
    }

    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static String percentDecode(String raw) throws Refusal {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        byte[] out = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new Refusal(400, "malformed percent-escape in path");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new Refusal(400, "malformed percent-escape in path");
                }
                out[n++] = (byte) (hi * 16 + lo);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }
}
