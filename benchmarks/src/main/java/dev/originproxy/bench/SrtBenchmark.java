package dev.originproxy.bench;

import dev.originproxy.srt.SrtHandshake;
import dev.originproxy.srt.SrtPacket;
import dev.originproxy.srt.SrtStreamId;
import dev.originproxy.srt.SrtSynCookie;

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

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;

/**
 * SRT: the captured caller conclusion handshake of vectors/srt/a_streamid_access (SID
 * {@code #!::r=live/livestream,m=publish} style access-control stream id), cookies, and the
 * established-session lookup by sender address.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SrtBenchmark {
    static final int SESSIONS = 10_000;

    byte[] raw;
    ByteBuffer conclusion;
    final SrtHandshake handshake = new SrtHandshake();
    final SrtPacket packet = new SrtPacket();
    final byte[] sid = new byte[SrtHandshake.MAX_STREAM_ID_LENGTH];
    String sidText;
    SrtSynCookie cookies;
    byte[] callerIp;
    int callerPort;
    int cookie;
    final HashMap<InetSocketAddress, Object> sessionsByPeer = new HashMap<>();
    InetSocketAddress peer;
    ByteBuffer dataPacket;

    @Setup
    public void setup() throws UnknownHostException {
        raw = Fixtures.hex("srt/3-conclusion-request.hex");
        conclusion = Fixtures.direct(raw);
        Fixtures.check(handshake.wrap(conclusion, 0, raw.length) && handshake.isConclusion(), "conclusion wraps");
        sidText = handshake.streamId();
        Fixtures.check(sidText != null && !sidText.isEmpty(), "conclusion carries a stream id");
        Fixtures.check(sidDecode() == sidText.length(), "SID decodes in place");
        Fixtures.check(SrtStreamId.parse(sidText) != null, "SID parses");

        cookies = SrtSynCookie.builder().secret(new byte[32]).build();
        callerIp = new byte[] {(byte) 198, 51, 100, 7};
        callerPort = 50_123;
        cookie = cookies.issue(callerIp, callerPort);
        Fixtures.check(cookies.verify(callerIp, callerPort, cookie), "cookie verifies");

        for (int i = 0; i < SESSIONS; i++) {
            InetAddress a = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
            sessionsByPeer.put(new InetSocketAddress(a, 9000 + (i % 20_000)), new Object());
        }
        peer = new InetSocketAddress(InetAddress.getByAddress(callerIp), callerPort);
        sessionsByPeer.put(peer, new Object());
        byte[] data = new byte[1316 + SrtPacket.HEADER_LENGTH];
        data[0] = 0x00; // data packet: F bit clear
        dataPacket = Fixtures.direct(data);
        Fixtures.check(establishedLookup() != null, "session found");
    }

    /** wrap (structure + extension walk) + findExtension(SID) + streamId(byte[]) (which walks to SID again). */
    @Benchmark
    public int sidDecode() {
        if (!handshake.wrap(conclusion, 0, raw.length) || handshake.findExtension(SrtHandshake.EXT_SID) < 0) {
            return -1;
        }
        return handshake.streamId(sid);
    }

    /** wrap + streamId(byte[]) only: the minimal allocation-free SID extraction. */
    @Benchmark
    public int sidDecodeNoFind() {
        return handshake.wrap(conclusion, 0, raw.length) ? handshake.streamId(sid) : -1;
    }

    /** wrap + streamId(): the SID as a String (allocates; once per handshake). */
    @Benchmark
    public String sidString() {
        return handshake.wrap(conclusion, 0, raw.length) ? handshake.streamId() : null;
    }

    @Benchmark
    public SrtStreamId streamIdParse() {
        return SrtStreamId.parse(sidText);
    }

    @Benchmark
    public int cookieIssue() {
        return cookies.issue(callerIp, callerPort);
    }

    @Benchmark
    public boolean cookieVerify() {
        return cookies.verify(callerIp, callerPort, cookie);
    }

    /** Per data packet once established: SrtPacket.wrap + HashMap lookup by sender (same instance). */
    @Benchmark
    public Object establishedLookup() {
        if (!packet.wrap(dataPacket, 0, dataPacket.limit()) || packet.isControl()) {
            return null;
        }
        return sessionsByPeer.get(peer);
    }
}
