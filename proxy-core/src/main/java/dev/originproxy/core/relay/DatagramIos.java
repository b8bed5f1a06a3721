package dev.originproxy.core.relay;

import dev.originproxy.core.relay.api.UdpTransport;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.Locale;

/**
 * Picks a relay's {@link DatagramIo.Factory} for a {@link UdpTransport}. The batched path
 * ({@code MmsgDatagramIo}) exists only in the Java 22 part of the multi-release jar, so it is
 * looked up by name: on Java 17, or when the classes run from a directory rather than the jar, it
 * is simply not there and {@link UdpTransport#AUTO} takes NIO.
 *
 * <p>Stateless; thread-safe.
 */
final class DatagramIos {
    static final String MMSG_CLASS = "dev.originproxy.core.relay.MmsgDatagramIo";

    private DatagramIos() {
    }

    /** The chosen factory, and why the fast path does not run when it does not. */
    static final class Selection {
        final DatagramIo.Factory factory;
        final String fallbackReason;

        Selection(DatagramIo.Factory factory, String fallbackReason) {
            this.factory = factory;
            this.fallbackReason = fallbackReason;
        }

        /** For the log line: {@code mmsg (...)} or {@code nio (...)}. */
        String describe(UdpTransport asked) {
            if (fallbackReason == null) {
                return factory.describe() + (asked == UdpTransport.AUTO ? " (auto)" : "");
            }
            return factory.describe() + (asked == UdpTransport.NIO ? " (asked)" : " (mmsg unavailable: " + fallbackReason + ")");
        }
    }

    /**
     * The factory for {@code asked}.
     *
     * @throws IOException when {@link UdpTransport#MMSG} is asked and cannot run here (the reason says why)
     */
    static Selection select(UdpTransport asked, UdpRelay.SelectorOpener selectors) throws IOException {
        DatagramIo.Factory nio = NioDatagramIo.factory(selectors);
        if (asked == UdpTransport.NIO) {
            return new Selection(nio, "nio asked");
        }
        String reason;
        DatagramIo.Factory fast = null;
        int feature = Runtime.version().feature();
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (feature < 22) {
            reason = "needs Java 22 or newer, this is Java " + feature;
        } else if (!os.contains("linux")) {
            reason = "needs Linux, this is " + System.getProperty("os.name");
        } else {
            try {
                Class<?> c = Class.forName(MMSG_CLASS, true, DatagramIos.class.getClassLoader());
                fast = (DatagramIo.Factory) c.getDeclaredMethod("factory").invoke(null);
                reason = null;
            } catch (ClassNotFoundException e) {
                reason = "classes not loaded from the multi-release jar";
            } catch (InvocationTargetException e) {
                reason = String.valueOf(e.getCause());
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                reason = e.toString();
            }
        }
        if (fast != null) {
            return new Selection(fast, null);
        }
        if (asked == UdpTransport.MMSG) {
            throw new IOException("UDP transport mmsg cannot run here: " + reason);
        }
        return new Selection(nio, reason);
    }
}
