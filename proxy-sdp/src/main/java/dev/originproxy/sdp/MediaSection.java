package dev.originproxy.sdp;

import java.util.List;
import java.util.Optional;

/**
 * One media description ({@code m=} line and its attributes, RFC 8866 section 5.14) as far as
 * the proxy needs it: the media line, {@code a=mid} (RFC 9143), the ICE attributes of RFC 8839
 * and {@code a=end-of-candidates} (RFC 8840 section 8.2).
 *
 * <p>Only media-level values are reported here; {@link SessionDescription} resolves the
 * session-level fallback. Immutable and thread-safe.
 */
public final class MediaSection {
    private final String media;
    private final int port;
    private final String proto;
    private final String formats;
    private final String mid;
    private final String iceUfrag;
    private final String icePwd;
    private final List<IceCandidate> candidates;
    private final boolean endOfCandidates;

    MediaSection(String media, int port, String proto, String formats, String mid, String iceUfrag,
                 String icePwd, List<IceCandidate> candidates, boolean endOfCandidates) {
        this.media = media;
        this.port = port;
        this.proto = proto;
        this.formats = formats;
        this.mid = mid;
        this.iceUfrag = iceUfrag;
        this.icePwd = icePwd;
        this.candidates = List.copyOf(candidates);
        this.endOfCandidates = endOfCandidates;
    }

    /** @return the media type: {@code audio}, {@code video}, {@code application}, ... */
    public String media() {
        return media;
    }

    /** @return the port of the {@code m=} line (9 in most WebRTC SDPs, 0 for a rejected section) */
    public int port() {
        return port;
    }

    /** @return the transport protocol, such as {@code UDP/TLS/RTP/SAVPF} */
    public String proto() {
        return proto;
    }

    /** @return the format list after the protocol, as written (may be empty) */
    public String formats() {
        return formats;
    }

    /** @return the {@code a=mid} value, if any */
    public Optional<String> mid() {
        return Optional.ofNullable(mid);
    }

    /** @return the media-level {@code a=ice-ufrag}, if any (the first when repeated) */
    public Optional<String> iceUfrag() {
        return Optional.ofNullable(iceUfrag);
    }

    /** @return the media-level {@code a=ice-pwd}, if any (the first when repeated) */
    public Optional<String> icePwd() {
        return Optional.ofNullable(icePwd);
    }

    /** @return the section's candidates in document order */
    public List<IceCandidate> candidates() {
        return candidates;
    }

    /** @return whether the section carries {@code a=end-of-candidates} */
    public boolean endOfCandidates() {
        return endOfCandidates;
    }

    @Override
    public String toString() {
        return "MediaSection[" + media + " " + port + " " + proto + ", mid=" + mid + ", candidates="
                + candidates.size() + "]";
    }
}
