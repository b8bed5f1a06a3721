package dev.originproxy.sdp;

import dev.originproxy.sdp.SdpException.Reason;

/**
 * The ICE username fragment and password of one side of a session, from {@code a=ice-ufrag} and
 * {@code a=ice-pwd} (RFC 8839 section 5.4).
 *
 * <p>Both values must be 1 to 256 ice-chars ({@code ALPHA / DIGIT / "+" / "/"}). The RFC's lower
 * bounds (4 and 22 chars) are not enforced, so an origin with short values still works; the
 * charset is, because a {@code ':'} in a ufrag would make the STUN USERNAME ambiguous.
 * Immutable and thread-safe.
 *
 * @param ufrag the username fragment
 * @param pwd   the password, the key of STUN MESSAGE-INTEGRITY for requests sent to this side
 */
public record IceCredentials(String ufrag, String pwd) {

    /** The longest ufrag or pwd RFC 8839 section 5.4 allows. */
    public static final int MAX_LENGTH = 256;

    /** Validates both values; throws {@link SdpException} with {@link Reason#INVALID_ICE_CREDENTIALS}. */
    public IceCredentials {
        validate(ufrag, "ice-ufrag");
        validate(pwd, "ice-pwd");
    }

    /**
     * The STUN USERNAME of binding requests that {@code peer} sends to this side (RFC 8445
     * section 7.2.2: receiver's ufrag, colon, sender's ufrag). For the proxy's sessions, this is
     * the answer's credentials and {@code peer} the offer's: {@code answerUfrag:offerUfrag}.
     */
    public String stunUsernameFrom(IceCredentials peer) {
        return ufrag + ':' + peer.ufrag;
    }

    @Override
    public String toString() {
        // The password is a MESSAGE-INTEGRITY key: keep it out of logs.
        return "IceCredentials[ufrag=" + ufrag + ", pwd=(" + pwd.length() + " chars)]";
    }

    private static void validate(String value, String what) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH || !isIceChars(value)) {
            throw new SdpException(Reason.INVALID_ICE_CREDENTIALS, what + " is not 1 to " + MAX_LENGTH
                    + " ice-chars");
        }
    }

    static boolean isIceChars(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean iceChar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/';
            if (!iceChar) {
                return false;
            }
        }
        return true;
    }
}
