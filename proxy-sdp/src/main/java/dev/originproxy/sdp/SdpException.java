package dev.originproxy.sdp;

import java.util.Objects;

/**
 * Thrown when a signalling body (an SDP, an RFC 8840 trickle fragment, or the SRS JSON envelope
 * carrying an SDP) cannot be accepted. It is the only exception the readers and rewriters of
 * this package throw for bad input, whatever the input.
 *
 * <p>The {@link #reason()} lets an HTTP front end pick a status without parsing the message:
 * {@link Reason#TOO_LARGE} maps to 413, everything else to 400. The message is one line, never
 * contains the offending input, and is fit to be returned to a client.
 *
 * <p>Like {@code dev.originproxy.core.InvalidStreamKeyException} it is an
 * {@link IllegalArgumentException}, so value types can throw it from their constructors.
 */
public final class SdpException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Why a body was refused. */
    public enum Reason {
        /** The body is longer than the configured size limit ({@link SdpLimits#maxLength()}). */
        TOO_LARGE,
        /** The body has more lines than {@link SdpLimits#maxLines()}. */
        TOO_MANY_LINES,
        /** One line is longer than {@link SdpLimits#maxLineLength()}. */
        LINE_TOO_LONG,
        /** The bytes are not well-formed UTF-8. */
        NOT_UTF8,
        /** The body does not start with a {@code v=} line (RFC 8866 section 5). */
        NOT_SDP,
        /** A line is not of the form {@code <type>=<value>} or an {@code m=} line is malformed (RFC 8866 section 5). */
        MALFORMED_LINE,
        /** An {@code a=candidate} line does not follow RFC 8839 section 5.1. */
        MALFORMED_CANDIDATE,
        /** An {@code a=ice-ufrag} or {@code a=ice-pwd} value is empty, too long or has characters outside ice-char (RFC 8839 section 5.4). */
        INVALID_ICE_CREDENTIALS,
        /** No m-section and no session level carries both {@code a=ice-ufrag} and {@code a=ice-pwd}. */
        MISSING_ICE_CREDENTIALS,
        /** The SRS JSON envelope is not valid JSON, not an object, too deeply nested, or lacks its {@code sdp}. */
        MALFORMED_ENVELOPE
    }

    private final Reason reason;

    /**
     * @param reason  why the body was refused
     * @param message a one-line description without the offending input
     */
    public SdpException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** @return why the body was refused */
    public Reason reason() {
        return reason;
    }
}
