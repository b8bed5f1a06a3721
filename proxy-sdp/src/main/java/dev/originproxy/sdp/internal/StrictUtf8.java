package dev.originproxy.sdp.internal;

import dev.originproxy.sdp.SdpException;
import dev.originproxy.sdp.SdpException.Reason;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding of signalling bodies: malformed or unmappable input is an error, never
 * silently replaced by U+FFFD (which would let two different bodies read as one text).
 *
 * <p>Stateless; a fresh {@link CharsetDecoder} per call because decoders are not thread-safe.
 */
public final class StrictUtf8 {
    private StrictUtf8() {
    }

    /**
     * Decodes {@code body}, refusing it before decoding when longer than {@code maxBytes}.
     *
     * @throws SdpException with {@link Reason#TOO_LARGE} or {@link Reason#NOT_UTF8}
     */
    public static String decode(byte[] body, int maxBytes, String what) {
        if (body.length > maxBytes) {
            throw new SdpException(Reason.TOO_LARGE, what + " of " + body.length + " bytes exceeds the limit of "
                    + maxBytes);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        try {
            CharBuffer chars = decoder.decode(in);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new SdpException(Reason.NOT_UTF8, what + " is not valid UTF-8 (near byte " + in.position() + ")");
        }
    }
}
