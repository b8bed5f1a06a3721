package dev.originproxy.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Free loopback ports for tests: binds port 0 on 127.0.0.1, reads the port the kernel chose and
 * closes the socket. Another process may take the port between this call and its use, so bind
 * it soon after; where a component can bind port 0 itself and report it, prefer that.
 */
public final class FreePorts {

    private FreePorts() {
    }

    /** @return a TCP port that was free on 127.0.0.1 a moment ago */
    public static int tcp() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(loopback(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback TCP port", e);
        }
    }

    /** @return a UDP port that was free on 127.0.0.1 a moment ago */
    public static int udp() {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(loopback(), 0))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback UDP port", e);
        }
    }

    /** @return the IPv4 loopback address 127.0.0.1 */
    public static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
