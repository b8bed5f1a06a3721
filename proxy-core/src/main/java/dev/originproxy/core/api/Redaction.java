package dev.originproxy.core.api;

import java.util.Locale;

/**
 * Removes secrets from text that goes to logs: the values of query parameters and headers whose
 * names say they carry a credential ({@code token}, {@code secret}, {@code password},
 * {@code key}, {@code auth}, {@code signature}, {@code session} — a WHIP session id is a
 * capability), and bearer tokens.
 *
 * <p>Stateless and thread-safe.
 */
public final class Redaction {
    /** What a removed value is replaced with. */
    public static final String REDACTED = "***";
    private static final String[] SECRET_NAMES = {"token", "secret", "pass", "key", "auth", "sig", "session", "credential"};

    private Redaction() {
    }

    /** Whether a parameter or header name says its value is a credential. */
    public static boolean isSecretName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (String s : SECRET_NAMES) {
            if (n.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** A raw query with the values of secret-named parameters replaced by {@value #REDACTED}. */
    public static String query(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return rawQuery;
        }
        StringBuilder out = new StringBuilder(rawQuery.length());
        for (String pair : rawQuery.split("&", -1)) {
            if (out.length() > 0) {
                out.append('&');
            }
            int eq = pair.indexOf('=');
            if (eq > 0 && isSecretName(pair.substring(0, eq))) {
                out.append(pair, 0, eq + 1).append(REDACTED);
            } else {
                out.append(pair);
            }
        }
        return out.toString();
    }

    /**
     * Text for one log line from untrusted input: control characters (CR, LF, escape) replaced,
     * cut to {@code max} characters.
     */
    public static String oneLine(String text, int max) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(text.length(), max) + 3);
        for (int i = 0; i < text.length() && b.length() < max; i++) {
            char c = text.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (text.length() > max) {
            b.append("...");
        }
        return b.toString();
    }
}
