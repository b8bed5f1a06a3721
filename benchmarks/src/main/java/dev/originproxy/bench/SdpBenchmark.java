package dev.originproxy.bench;

import dev.originproxy.sdp.ProxyCandidates;
import dev.originproxy.sdp.SdpRewriter;
import dev.originproxy.sdp.SrsEnvelope;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.opentelecoms.javax.sdp.NistSdpFactory;

import javax.sdp.SdpException;
import javax.sdp.SdpFactory;
import javax.sdp.SessionDescription;
import java.util.concurrent.TimeUnit;

/**
 * SDP signalling path: our rewrite of an SRS answer (2 m-sections, 1387 bytes CRLF, a host
 * candidate per section) and of a Chromium offer (3 m-sections, 3273 bytes), the SRS JSON
 * envelope, and the NIST JAIN-SIP SDP parser (via java-sdp-nist-bridge) on the same answer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SdpBenchmark {
    String answer;
    String offer;
    String envelopeJson;
    String rewrittenAnswer;
    final SdpRewriter rewriter = new SdpRewriter();
    ProxyCandidates proxy;
    SdpFactory nist;

    @Setup
    public void setup() throws SdpException {
        answer = Fixtures.text("sdp/srs-answer.sdp");
        offer = Fixtures.text("sdp/chrome-offer.sdp");
        envelopeJson = Fixtures.text("sdp/srs-publish-answer.json");
        proxy = ProxyCandidates.builder().address("203.0.113.10").address("2001:db8::10")
                .udpPort(8000).tcpPort(8000).build();
        nist = new NistSdpFactory();
        rewrittenAnswer = rewriter.rewriteAnswer(answer, proxy);
        Fixtures.check(rewrittenAnswer.contains("203.0.113.10") && !rewrittenAnswer.contains("192.168.1.10"),
                "answer candidates replaced");
        Fixtures.check(!rewriter.stripOfferCandidates(offer).contains("a=candidate"), "offer candidates stripped");
        Fixtures.check(nistParsePrint().contains("m=video"), "NIST parses the answer");
        Fixtures.check(envelopeUnwrapRewriteRewrap().contains("203.0.113.10"), "envelope pipeline");
    }

    @Benchmark
    public String rewriteAnswer() {
        return rewriter.rewriteAnswer(answer, proxy);
    }

    @Benchmark
    public String stripOfferCandidates() {
        return rewriter.stripOfferCandidates(offer);
    }

    /** SrsEnvelope.parse + requireSdp + withSdp (the rewrite itself not included). */
    @Benchmark
    public String envelopeUnwrapRewrap(Blackhole bh) {
        SrsEnvelope e = SrsEnvelope.parse(envelopeJson);
        bh.consume(e.requireSdp());
        return e.withSdp(rewrittenAnswer);
    }

    /** What the WHIP forwarder does with SRS's reply: unwrap, rewrite the answer, rewrap. */
    @Benchmark
    public String envelopeUnwrapRewriteRewrap() {
        SrsEnvelope e = SrsEnvelope.parse(envelopeJson);
        return e.withSdp(rewriter.rewriteAnswer(e.requireSdp(), proxy));
    }

    /** NIST: parse the same answer into its object model. */
    @Benchmark
    public SessionDescription nistParse() throws SdpException {
        return nist.createSessionDescription(answer);
    }

    /** NIST: parse and print it again (the minimum for an object-model rewrite). */
    @Benchmark
    public String nistParsePrint() {
        try {
            return nist.createSessionDescription(answer).toString();
        } catch (SdpException e) {
            throw new IllegalStateException(e);
        }
    }
}
