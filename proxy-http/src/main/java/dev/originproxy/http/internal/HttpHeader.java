package dev.originproxy.http.internal;

import java.util.Objects;

/**
 * One header field as received or to be sent: the name as spelled, the value with OWS trimmed.
 *
 * @param name the field name (a token, RFC 9110 §5.1)
 * @param value the field value (RFC 9110 §5.5)
 */
public record HttpHeader(String name, String value) {
    /** Validates that neither part can break the head it is written into. */
    public HttpHeader {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == ':') {
                throw new IllegalArgumentException("not a header name: " + name);
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < ' ' && c != '\t') || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException("control character in header value of " + name);
            }
        }
    }

    /** Whether this field's name is {@code other} (case-insensitive). */
    public boolean is(String other) {
        return name.equalsIgnoreCase(other);
    }
}
