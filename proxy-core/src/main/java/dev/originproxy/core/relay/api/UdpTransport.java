package dev.originproxy.core.relay.api;

import java.util.Locale;

/**
 * Which system calls a {@code UdpRelay} moves datagrams with.
 *
 * <p>{@link #NIO} is the portable path ({@link java.nio.channels.DatagramChannel} and a
 * {@link java.nio.channels.Selector}: one {@code recvfrom}/{@code sendto} per datagram).
 * {@link #MMSG} is the Linux fast path: {@code epoll}, {@code recvmmsg(2)} and {@code sendmmsg(2)}
 * called through the Foreign Function &amp; Memory API, so one system call moves a batch of
 * datagrams and no sender address object is made per datagram. It ships in the multi-release
 * part of the jar ({@code META-INF/versions/22}) and runs on Java 22 or newer on Linux
 * (x86-64, AArch64). From Java 22 on the JVM warns once about native access unless it is started
 * with {@code --enable-native-access=dev.originproxy.core} (on the module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (on the class path); later JDKs are expected to
 * refuse it without that flag, and then {@link #AUTO} falls back to {@link #NIO}.
 *
 * <p>The system property {@value #PROPERTY} ({@code auto}, {@code nio}, {@code mmsg}) sets the
 * default of every relay built without an explicit choice; tests and CI use it to run the same
 * suite on both paths.
 */
public enum UdpTransport {
    /** {@link #MMSG} where it works, else {@link #NIO}; the relay logs which one runs. */
    AUTO,
    /** {@code DatagramChannel} + {@code Selector}: every JDK, every OS. */
    NIO,
    /** {@code recvmmsg}/{@code sendmmsg} through FFM: Linux, Java 22+; starting fails elsewhere. */
    MMSG;

    /** The system property that sets the default transport: {@code auto}, {@code nio} or {@code mmsg}. */
    public static final String PROPERTY = "originproxy.udp.transport";

    /**
     * Parses a setting ({@code auto}, {@code nio}, {@code mmsg}; case-insensitive).
     *
     * @throws IllegalArgumentException for anything else, naming the known values
     */
    public static UdpTransport parse(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto":
                return AUTO;
            case "nio":
                return NIO;
            case "mmsg":
                return MMSG;
            default:
                throw new IllegalArgumentException("unknown UDP transport '" + value + "'; known: auto, nio, mmsg");
        }
    }

    /** The default: the system property {@value #PROPERTY} when set, else {@link #AUTO}. */
    public static UdpTransport fromSystemProperty() {
        String v = System.getProperty(PROPERTY);
        return v == null || v.isBlank() ? AUTO : parse(v);
    }
}
