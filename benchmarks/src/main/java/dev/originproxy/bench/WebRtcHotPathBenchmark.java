package dev.originproxy.bench;

import dev.originproxy.stun.PacketKind;
import dev.originproxy.stun.StunMessage;

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
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;

/**
 * The WebRTC router's per-datagram decision without the syscalls. The router's handler is
 * package-private ({@code WebRtcRouter}'s inner handler), so this replays its public steps:
 * {@code HashMap<InetSocketAddress, leg>} lookup of the sender, RFC 7983 classify of the first
 * byte, and for a STUN consent check {@code StunMessage.wrap} + {@code isBindingRequest} +
 * {@code usernameEquals} against the session's username bytes.
 *
 * <p>"same" = the key is the very instance stored in the map (what the JDK's
 * DatagramChannel hands back for a repeat sender: it caches the last sender address);
 * "equal" = a different but equal InetSocketAddress (a new sender object: equals() compares
 * address and port).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WebRtcHotPathBenchmark {
    /** Stand-in for the router's per-leg state (RelayLeg + attachment). */
    static final class Leg {
        final byte[] usernameBytes;
        long packets;

        Leg(byte[] usernameBytes) {
            this.usernameBytes = usernameBytes;
        }
    }

    static final int SESSIONS = 10_000;

    final HashMap<InetSocketAddress, Object> legsByClient = new HashMap<>();
    final StunMessage stun = new StunMessage();
    InetSocketAddress sameInstance;
    InetSocketAddress equalInstance;
    ByteBuffer stunPacket;
    ByteBuffer rtpPacket;
    int stunLength;
    int rtpLength;

    @Setup
    public void setup() throws UnknownHostException {
        byte[] user = "evtj:h6vY".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < SESSIONS; i++) {
            InetAddress a = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
            legsByClient.put(new InetSocketAddress(a, 40_000 + (i % 20_000)), new Leg(new byte[] {1}));
        }
        InetAddress client = InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 7});
        sameInstance = new InetSocketAddress(client, 54_321);
        legsByClient.put(sameInstance, new Leg(user));
        equalInstance = new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 7}), 54_321);
        Fixtures.check(sameInstance != equalInstance && sameInstance.equals(equalInstance), "equal keys");

        byte[] stunRaw = Fixtures.hex("stun/rfc5769-2.1-request.hex");
        stunLength = stunRaw.length;
        stunPacket = Fixtures.direct(stunRaw);
        byte[] rtp = new byte[1200];
        rtp[0] = (byte) 0x80;
        rtp[1] = 96;
        rtpLength = rtp.length;
        rtpPacket = Fixtures.direct(rtp);
        Fixtures.check(stunConsentSameInstance() == 1, "consent check passes");
        Fixtures.check(rtpSameInstance() == 2, "rtp forwarded");
    }

    /** @return 0 drop, 1 STUN consent of this session (forward), 2 media (forward), 3 other session */
    private int onClientPacket(ByteBuffer packet, int length, InetSocketAddress from) {
        Leg leg = (Leg) legsByClient.get(from);
        if (leg == null) {
            return 0;
        }
        if (length >= StunMessage.HEADER_LENGTH && PacketKind.classify(packet.get(0)) == PacketKind.STUN) {
            if (stun.wrap(packet, 0, length) && stun.isBindingRequest() && stun.hasUsername()
                    && !stun.usernameEquals(leg.usernameBytes, 0, leg.usernameBytes.length)) {
                return 3;
            }
            leg.packets++;
            return 1;
        }
        leg.packets++;
        return 2;
    }

    @Benchmark
    public Object lookupSameInstance() {
        return legsByClient.get(sameInstance);
    }

    @Benchmark
    public Object lookupEqualInstance() {
        return legsByClient.get(equalInstance);
    }

    @Benchmark
    public int rtpSameInstance() {
        return onClientPacket(rtpPacket, rtpLength, sameInstance);
    }

    @Benchmark
    public int rtpEqualInstance() {
        return onClientPacket(rtpPacket, rtpLength, equalInstance);
    }

    @Benchmark
    public int stunConsentSameInstance() {
        return onClientPacket(stunPacket, stunLength, sameInstance);
    }

    @Benchmark
    public int stunConsentEqualInstance() {
        return onClientPacket(stunPacket, stunLength, equalInstance);
    }
}
