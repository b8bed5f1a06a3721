package dev.originproxy.srt.router;

import dev.originproxy.srt.router.SrtPeers.Placement;
import dev.originproxy.srt.router.SrtPeers.TestCaller;

import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15 item 8: on a multi-homed host the proxy answers from the address the caller sent to. */
class SrtRouterMultiHomedTest {
    @Test
    void answersEachCallerFromTheAddressItSentTo() throws Exception {
        InetAddress first = InetAddress.getByName("127.0.0.1");
        InetAddress second = InetAddress.getByName("127.0.0.2"); // all of 127/8 is local on Linux
        try (SrtRouter router = SrtRouter.builder().bind(new InetSocketAddress(first, 0))
                .alsoBind(new InetSocketAddress(second, 0)).workers(1).placement(new Placement()).build().start()) {
            int port = router.localAddress().getPort();
            for (InetAddress to : new InetAddress[] {first, second}) {
                InetSocketAddress proxy = new InetSocketAddress(to, port);
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(first, 0))) {
                    s.setSoTimeout(2_000);
                    byte[] induction = new TestCaller(proxy, s).induction();
                    s.send(new DatagramPacket(induction, induction.length, proxy));
                    DatagramPacket answer = new DatagramPacket(new byte[1500], 1500);
                    s.receive(answer);
                    // libsrt drops a handshake answer from any other address than the one it called
                    assertThat(answer.getSocketAddress()).isEqualTo(proxy);
                }
            }
        }
    }
}
