package dev.originproxy.bench;

import dev.originproxy.stun.PacketKind;
import dev.originproxy.stun.StunIntegrityKey;
import dev.originproxy.stun.StunMessage;
import dev.originproxy.stun.StunVerifier;

import org.ice4j.StunException;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.UsernameAttribute;
import org.ice4j.message.Message;
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

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * STUN on the RFC 5769 §2.1 sample request (108 bytes: SOFTWARE, PRIORITY, ICE-CONTROLLED,
 * USERNAME "evtj:h6vY", MESSAGE-INTEGRITY, FINGERPRINT), ours against ice4j's decoder.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StunBenchmark {
    static final String PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt";

    byte[] raw;
    ByteBuffer direct;
    ByteBuffer heap;
    byte[] username;
    final StunMessage message = new StunMessage();
    final StunVerifier verifier = new StunVerifier();
    StunIntegrityKey key;

    /** First bytes of the kinds a WebRTC port sees, cycled so classify is not constant-folded. */
    final byte[] firstBytes = {0x00, 0x01, 0x16, (byte) 0x80, (byte) 0x90, 0x40, 0x10, (byte) 0xFF};
    int next;

    @Setup
    public void setup() throws StunException {
        raw = Fixtures.hex("stun/rfc5769-2.1-request.hex");
        direct = Fixtures.direct(raw);
        heap = ByteBuffer.wrap(raw.clone());
        username = "evtj:h6vY".getBytes(StandardCharsets.UTF_8);
        key = StunIntegrityKey.shortTerm(PASSWORD);
        Fixtures.check(usernameDecode(), "our decoder finds USERNAME");
        Fixtures.check(verifyIntegrityAndFingerprint(), "integrity and fingerprint verify");
        Fixtures.check(ice4jDecodeUsername(), "ice4j finds USERNAME");
    }

    /** Header validation + attribute walk + USERNAME compare, in place in a direct buffer. */
    @Benchmark
    public boolean usernameDecode() {
        return message.wrap(direct, 0, raw.length)
                && message.usernameLength() == username.length
                && message.usernameEquals(username, 0, username.length);
    }

    /** The same over a heap buffer. */
    @Benchmark
    public boolean usernameDecodeHeap() {
        return message.wrap(heap, 0, raw.length)
                && message.usernameLength() == username.length
                && message.usernameEquals(username, 0, username.length);
    }

    /**
     * USERNAME decode + FINGERPRINT check: the like-for-like counterpart of ice4j's decode,
     * which validates FINGERPRINT's CRC-32 while decoding (but not MESSAGE-INTEGRITY).
     */
    @Benchmark
    public boolean usernameDecodeAndFingerprint() {
        return message.wrap(direct, 0, raw.length)
                && message.usernameEquals(username, 0, username.length)
                && verifier.verifyFingerprint(message);
    }

    /** wrap + MESSAGE-INTEGRITY (HMAC-SHA1) + FINGERPRINT (CRC-32). */
    @Benchmark
    public boolean verifyIntegrityAndFingerprint() {
        return message.wrap(direct, 0, raw.length)
                && verifier.verifyIntegrity(message, key)
                && verifier.verifyFingerprint(message);
    }

    /** wrap + MESSAGE-INTEGRITY only. */
    @Benchmark
    public boolean verifyIntegrityOnly() {
        return message.wrap(direct, 0, raw.length) && verifier.verifyIntegrity(message, key);
    }

    /** RFC 7983 demultiplexing of one first byte. */
    @Benchmark
    public PacketKind classify() {
        byte b = firstBytes[next++ & 7];
        return PacketKind.classify(b);
    }

    /**
     * ice4j: full decode of the same bytes: every attribute becomes an object, FINGERPRINT's
     * CRC-32 is validated, MESSAGE-INTEGRITY is not (ice4j checks it later, in its stack).
     */
    @Benchmark
    public Message ice4jDecode() throws StunException {
        return Message.decode(raw, 0, raw.length);
    }

    /** ice4j: full decode, then find USERNAME and compare it, as our usernameDecode does. */
    @Benchmark
    public boolean ice4jDecodeUsername() throws StunException {
        Message m = Message.decode(raw, 0, raw.length);
        Attribute a = m.getAttribute(Attribute.USERNAME);
        return a instanceof UsernameAttribute
                && Arrays.equals(((UsernameAttribute) a).getUsername(), username);
    }
}
