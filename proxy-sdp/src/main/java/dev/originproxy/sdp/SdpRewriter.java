package dev.originproxy.sdp;

import dev.originproxy.sdp.internal.CandidateRewriting;
import dev.originproxy.sdp.internal.SdpLineIndex;
import java.util.Objects;

/**
 * The candidate rewrites the WHIP/WHEP forwarder applies to SDP bodies (RFC 9725 sections 4.2
 * and 4.5; candidates per RFC 8839 section 5.1, {@code a=end-of-candidates} per RFC 8840
 * section 8.2). Everything but the candidate lines is copied byte for byte, line endings
 * included.
 *
 * <ul>
 *   <li>{@link #rewriteAnswer} for the client: the origin's candidates are replaced by the
 *       proxy's, in every m-section (bundled or not), so all media flows through the proxy.</li>
 *   <li>{@link #stripOfferCandidates} for the origin: the client's candidates and
 *       {@code a=end-of-candidates} are removed, so a full-ICE origin reaches the client only
 *       through the proxy.</li>
 * </ul>
 *
 * <p>Texts are checked against {@link SdpLimits}, for a leading {@code v=} line and for the
 * {@code <type>=<value>} line structure; the values of lines are not read, so rewriting does not
 * refuse an {@code m=} line or candidate that {@link SessionDescription#parse} would. Each call is
 * one linear pass over the text plus one copy. Immutable and thread-safe.
 */
public final class SdpRewriter {
    private final SdpLimits limits;

    /** A rewriter with {@link SdpLimits#DEFAULT}. */
    public SdpRewriter() {
        this(SdpLimits.DEFAULT);
    }

    /** A rewriter that refuses texts beyond {@code limits}. */
    public SdpRewriter(SdpLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Replaces the origin's candidates in an answer with {@code proxy}'s. Every {@code a=candidate}
     * line is removed; the proxy's candidate lines go into every m-section right after its
     * {@code a=ice-ufrag} line (after its {@code m=} line if it has none), with the line ending of
     * that line. An existing {@code a=end-of-candidates} is kept and stays after the candidates.
     *
     * @throws SdpException {@link SdpException.Reason#TOO_LARGE}, {@link SdpException.Reason#TOO_MANY_LINES},
     *                      {@link SdpException.Reason#LINE_TOO_LONG}, {@link SdpException.Reason#NOT_SDP}
     *                      or {@link SdpException.Reason#MALFORMED_LINE}
     */
    public String rewriteAnswer(String answerSdp, ProxyCandidates proxy) {
        Objects.requireNonNull(answerSdp, "answerSdp");
        return replace(SdpLineIndex.index(answerSdp, limits, true), proxy);
    }

    /** As {@link #rewriteAnswer(String, ProxyCandidates)} for an answer already read; cannot fail. */
    public String rewriteAnswer(SessionDescription answer, ProxyCandidates proxy) {
        return replace(answer.lineIndex(), proxy);
    }

    /**
     * Removes every {@code a=candidate} and {@code a=end-of-candidates} line from an offer;
     * returns the same string when there is none.
     *
     * @throws SdpException as {@link #rewriteAnswer(String, ProxyCandidates)}
     */
    public String stripOfferCandidates(String offerSdp) {
        Objects.requireNonNull(offerSdp, "offerSdp");
        return CandidateRewriting.stripCandidates(SdpLineIndex.index(offerSdp, limits, true));
    }

    /** As {@link #stripOfferCandidates(String)} for an offer already read; cannot fail. */
    public String stripOfferCandidates(SessionDescription offer) {
        return CandidateRewriting.stripCandidates(offer.lineIndex());
    }

    private static String replace(SdpLineIndex index, ProxyCandidates proxy) {
        Objects.requireNonNull(proxy, "proxy");
        return CandidateRewriting.replaceCandidates(index, proxy.sdpLines(true), proxy.sdpLines(false),
                proxy.addresses().get(0), proxy.udpPort());
    }
}
