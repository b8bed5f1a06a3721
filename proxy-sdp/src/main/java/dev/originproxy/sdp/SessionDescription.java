package dev.originproxy.sdp;

import static dev.originproxy.sdp.internal.SdpLineIndex.CANDIDATE;
import static dev.originproxy.sdp.internal.SdpLineIndex.END_OF_CANDIDATES;
import static dev.originproxy.sdp.internal.SdpLineIndex.GROUP;
import static dev.originproxy.sdp.internal.SdpLineIndex.ICE_LITE;
import static dev.originproxy.sdp.internal.SdpLineIndex.ICE_PWD;
import static dev.originproxy.sdp.internal.SdpLineIndex.ICE_UFRAG;
import static dev.originproxy.sdp.internal.SdpLineIndex.MEDIA;
import static dev.originproxy.sdp.internal.SdpLineIndex.MID;

import dev.originproxy.sdp.SdpException.Reason;
import dev.originproxy.sdp.internal.SdpLineIndex;
import dev.originproxy.sdp.internal.StrictUtf8;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A read SDP (RFC 8866) or trickle-ICE fragment (RFC 8840 section 9,
 * {@code application/trickle-ice-sdpfrag}), reduced to what the signalling forwarder needs: the
 * ICE attributes of RFC 8839 ({@code a=ice-ufrag}, {@code a=ice-pwd}, {@code a=candidate},
 * {@code a=ice-lite}), {@code a=end-of-candidates} (RFC 8840), the {@code m=} lines with their
 * {@code a=mid}, and {@code a=group:BUNDLE} (RFC 9143).
 *
 * <p>The original text is kept with an index of its lines, so {@link SdpRewriter} can rewrite a
 * description it was given without reading it again. Reading is one linear pass bounded by
 * {@link SdpLimits}; every refusal is an {@link SdpException}.
 *
 * <p>Immutable and thread-safe.
 */
public final class SessionDescription {
    private static final String BUNDLE = "BUNDLE";

    private final SdpLineIndex index;
    private final boolean trickleFragment;
    private final boolean iceLite;
    private final String sessionIceUfrag;
    private final String sessionIcePwd;
    private final List<IceCandidate> sessionCandidates;
    private final boolean sessionEndOfCandidates;
    private final List<MediaSection> mediaSections;
    private final List<List<String>> bundleGroups;

    private SessionDescription(SdpLineIndex index, boolean trickleFragment, Builder session,
                               List<MediaSection> mediaSections, List<List<String>> bundleGroups) {
        this.index = index;
        this.trickleFragment = trickleFragment;
        this.iceLite = session.iceLite;
        this.sessionIceUfrag = session.ufrag;
        this.sessionIcePwd = session.pwd;
        this.sessionCandidates = List.copyOf(session.candidates);
        this.sessionEndOfCandidates = session.endOfCandidates;
        this.mediaSections = List.copyOf(mediaSections);
        this.bundleGroups = List.copyOf(bundleGroups);
    }

    /**
     * Reads a complete SDP with {@link SdpLimits#DEFAULT}.
     *
     * @throws SdpException if the text is refused; see {@link #parse(String, SdpLimits)}
     */
    public static SessionDescription parse(String sdp) {
        return parse(sdp, SdpLimits.DEFAULT);
    }

    /**
     * Reads a complete SDP, which must start with a {@code v=} line.
     *
     * @throws SdpException {@link Reason#TOO_LARGE}, {@link Reason#TOO_MANY_LINES},
     *                      {@link Reason#LINE_TOO_LONG}, {@link Reason#NOT_SDP},
     *                      {@link Reason#MALFORMED_LINE}, {@link Reason#MALFORMED_CANDIDATE} or
     *                      {@link Reason#INVALID_ICE_CREDENTIALS}
     */
    public static SessionDescription parse(String sdp, SdpLimits limits) {
        Objects.requireNonNull(sdp, "sdp");
        return read(SdpLineIndex.index(sdp, Objects.requireNonNull(limits, "limits"), true), false);
    }

    /**
     * Reads an RFC 8840 trickle-ICE fragment (the body of a WHIP/WHEP {@code PATCH}, RFC 9725
     * section 4.3) with {@link SdpLimits#DEFAULT}. A fragment has no {@code v=} line; an empty
     * fragment is valid.
     *
     * @throws SdpException as {@link #parse(String, SdpLimits)}, except {@link Reason#NOT_SDP}
     */
    public static SessionDescription parseTrickleFragment(String fragment) {
        return parseTrickleFragment(fragment, SdpLimits.DEFAULT);
    }

    /**
     * Reads an RFC 8840 trickle-ICE fragment within {@code limits}.
     *
     * @throws SdpException as {@link #parse(String, SdpLimits)}, except {@link Reason#NOT_SDP}
     */
    public static SessionDescription parseTrickleFragment(String fragment, SdpLimits limits) {
        Objects.requireNonNull(fragment, "fragment");
        return read(SdpLineIndex.index(fragment, Objects.requireNonNull(limits, "limits"), false), true);
    }

    /**
     * Decodes an HTTP body as strict UTF-8 (malformed input is refused, not replaced), refusing
     * bodies over {@link SdpLimits#DEFAULT}'s length before decoding.
     *
     * @throws SdpException {@link Reason#TOO_LARGE} or {@link Reason#NOT_UTF8}
     */
    public static String fromUtf8(byte[] body) {
        return fromUtf8(body, SdpLimits.DEFAULT);
    }

    /**
     * Decodes an HTTP body as strict UTF-8, refusing bodies of more than
     * {@link SdpLimits#maxLength()} bytes before decoding.
     *
     * @throws SdpException {@link Reason#TOO_LARGE} or {@link Reason#NOT_UTF8}
     */
    public static String fromUtf8(byte[] body, SdpLimits limits) {
        return StrictUtf8.decode(Objects.requireNonNull(body, "body"), limits.maxLength(), "SDP");
    }

    /** @return the text this description was read from, unchanged */
    public String text() {
        return index.text();
    }

    /** @return whether this was read as an RFC 8840 fragment rather than a complete SDP */
    public boolean isTrickleFragment() {
        return trickleFragment;
    }

    /** @return whether the session-level {@code a=ice-lite} is present (RFC 8839 section 5.3) */
    public boolean iceLite() {
        return iceLite;
    }

    /** @return the session-level {@code a=ice-ufrag}, if any */
    public Optional<String> sessionIceUfrag() {
        return Optional.ofNullable(sessionIceUfrag);
    }

    /** @return the session-level {@code a=ice-pwd}, if any */
    public Optional<String> sessionIcePwd() {
        return Optional.ofNullable(sessionIcePwd);
    }

    /** @return candidates written before the first {@code m=} line (unusual, but legal in fragments) */
    public List<IceCandidate> sessionCandidates() {
        return sessionCandidates;
    }

    /** @return whether a session-level {@code a=end-of-candidates} is present */
    public boolean sessionEndOfCandidates() {
        return sessionEndOfCandidates;
    }

    /** @return the m-sections in document order */
    public List<MediaSection> mediaSections() {
        return mediaSections;
    }

    /** @return the mids of each {@code a=group:BUNDLE} line, in document order (RFC 9143 section 9.2) */
    public List<List<String>> bundleGroups() {
        return bundleGroups;
    }

    /**
     * The ICE credentials of this side. Media level wins over session level (RFC 8839 section
     * 5.4): the first m-section whose effective ufrag and pwd (its own, else the session's) are
     * both present gives them; without m-sections, the session level does. When bundled sections
     * disagree, the first one wins.
     *
     * @return the credentials, or empty if none are present
     */
    public Optional<IceCredentials> findIceCredentials() {
        for (MediaSection section : mediaSections) {
            String ufrag = section.iceUfrag().orElse(sessionIceUfrag);
            String pwd = section.icePwd().orElse(sessionIcePwd);
            if (ufrag != null && pwd != null) {
                return Optional.of(new IceCredentials(ufrag, pwd));
            }
        }
        if (mediaSections.isEmpty() && sessionIceUfrag != null && sessionIcePwd != null) {
            return Optional.of(new IceCredentials(sessionIceUfrag, sessionIcePwd));
        }
        return Optional.empty();
    }

    /**
     * The ICE credentials of this side, resolved as {@link #findIceCredentials()}.
     *
     * @throws SdpException with {@link Reason#MISSING_ICE_CREDENTIALS} when there are none
     */
    public IceCredentials iceCredentials() {
        return findIceCredentials().orElseThrow(() -> new SdpException(Reason.MISSING_ICE_CREDENTIALS,
                "SDP has no a=ice-ufrag and a=ice-pwd"));
    }

    /**
     * Whether this (typically a trickle fragment) asks for an ICE restart relative to
     * {@code current}: it carries credentials and they differ (RFC 8840 section 4.4, RFC 9725
     * section 4.4).
     */
    public boolean restartsIce(IceCredentials current) {
        Objects.requireNonNull(current, "current");
        return findIceCredentials().map(found -> !found.equals(current)).orElse(false);
    }

    /** @return every candidate, session level first, then each m-section's, in document order */
    public List<IceCandidate> candidates() {
        List<IceCandidate> all = new ArrayList<>(sessionCandidates);
        for (MediaSection section : mediaSections) {
            all.addAll(section.candidates());
        }
        return Collections.unmodifiableList(all);
    }

    /**
     * The UDP candidates, in document order, without repeats of the same address and port (with
     * BUNDLE, every section usually repeats the same candidate). This is where an answering
     * origin receives media: the forwarder relays to one of these.
     */
    public List<IceCandidate> udpCandidates() {
        List<IceCandidate> udp = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (IceCandidate candidate : candidates()) {
            if (candidate.isUdp() && seen.add(candidate.address() + ' ' + candidate.port())) {
                udp.add(candidate);
            }
        }
        return Collections.unmodifiableList(udp);
    }

    SdpLineIndex lineIndex() {
        return index;
    }

    @Override
    public String toString() {
        return "SessionDescription[" + (trickleFragment ? "fragment, " : "") + mediaSections.size()
                + " m-sections, " + index.text().length() + " chars]";
    }

    private static SessionDescription read(SdpLineIndex index, boolean fragment) {
        Builder session = new Builder();
        Builder current = session;
        List<MediaSection> sections = new ArrayList<>();
        List<List<String>> bundleGroups = new ArrayList<>(1);
        for (int line = 0, n = index.lineCount(); line < n; line++) {
            switch (index.kind(line)) {
                case MEDIA:
                    if (current != session) {
                        sections.add(current.build());
                    }
                    current = Builder.fromMediaLine(index.value(line, 2), line + 1);
                    break;
                case ICE_UFRAG:
                    if (current.ufrag == null) {
                        current.ufrag = credential(index.value(line, "a=ice-ufrag:".length()), "ice-ufrag", line);
                    }
                    break;
                case ICE_PWD:
                    if (current.pwd == null) {
                        current.pwd = credential(index.value(line, "a=ice-pwd:".length()), "ice-pwd", line);
                    }
                    break;
                case CANDIDATE:
                    current.candidates.add(candidate(index, line));
                    break;
                case END_OF_CANDIDATES:
                    current.endOfCandidates = true;
                    break;
                case ICE_LITE:
                    current.iceLite = true;
                    break;
                case MID:
                    if (current.mid == null) {
                        current.mid = index.value(line, "a=mid:".length());
                    }
                    break;
                case GROUP:
                    List<String> group = words(index.value(line, "a=group:".length()));
                    if (!group.isEmpty() && group.get(0).equals(BUNDLE)) {
                        bundleGroups.add(List.copyOf(group.subList(1, group.size())));
                    }
                    break;
                default:
                    break;
            }
        }
        if (current != session) {
            sections.add(current.build());
        }
        return new SessionDescription(index, fragment, session, sections, bundleGroups);
    }

    private static String credential(String value, String what, int line) {
        if (value.isEmpty() || value.length() > IceCredentials.MAX_LENGTH || !IceCredentials.isIceChars(value)) {
            throw new SdpException(Reason.INVALID_ICE_CREDENTIALS, "SDP line " + (line + 1) + ": " + what
                    + " is not 1 to " + IceCredentials.MAX_LENGTH + " ice-chars");
        }
        return value;
    }

    private static IceCandidate candidate(SdpLineIndex index, int line) {
        try {
            return IceCandidate.parse(index.value(line, 0));
        } catch (SdpException e) {
            throw new SdpException(Reason.MALFORMED_CANDIDATE, "SDP line " + (line + 1) + ": " + e.getMessage());
        }
    }

    private static List<String> words(String value) {
        List<String> words = new ArrayList<>();
        int length = value.length();
        int i = 0;
        while (i < length) {
            while (i < length && value.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < length && value.charAt(i) != ' ') {
                i++;
            }
            if (i > start) {
                words.add(value.substring(start, i));
            }
        }
        return words;
    }

    /** Collects one level (the session or one m-section) while reading. */
    private static final class Builder {
        String media;
        int port;
        String proto;
        String formats;
        String mid;
        String ufrag;
        String pwd;
        boolean iceLite;
        boolean endOfCandidates;
        final List<IceCandidate> candidates = new ArrayList<>(4);

        static Builder fromMediaLine(String value, int lineNumber) {
            // m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 8866 section 5.14)
            List<String> words = words(value);
            if (words.size() < 3) {
                throw malformedMediaLine(lineNumber, "needs media, port and proto");
            }
            Builder section = new Builder();
            section.media = words.get(0);
            String port = words.get(1);
            int slash = port.indexOf('/');
            section.port = port(slash < 0 ? port : port.substring(0, slash), lineNumber);
            section.proto = words.get(2);
            section.formats = String.join(" ", words.subList(3, words.size()));
            return section;
        }

        private static int port(String digits, int lineNumber) {
            if (digits.isEmpty() || digits.length() > 5) {
                throw malformedMediaLine(lineNumber, "port is not a number");
            }
            int port = 0;
            for (int i = 0; i < digits.length(); i++) {
                char c = digits.charAt(i);
                if (c < '0' || c > '9') {
                    throw malformedMediaLine(lineNumber, "port is not a number");
                }
                port = port * 10 + (c - '0');
            }
            if (port > 65535) {
                throw malformedMediaLine(lineNumber, "port is outside 0..65535");
            }
            return port;
        }

        private static SdpException malformedMediaLine(int lineNumber, String why) {
            return new SdpException(Reason.MALFORMED_LINE, "SDP line " + lineNumber + ": m= line " + why);
        }

        MediaSection build() {
            return new MediaSection(media, port, proto, formats, mid, ufrag, pwd, candidates, endOfCandidates);
        }
    }
}
