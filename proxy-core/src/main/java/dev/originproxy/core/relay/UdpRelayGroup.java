package dev.originproxy.core.relay;

import dev.originproxy.core.relay.api.DropReason;
import dev.originproxy.core.relay.api.RelayStats;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The UDP relays of one router on a multi-homed host: one {@link UdpRelay} per listening address,
 * all on the same port, all with the same handler factory (so a router's sessions span them).
 * A reply to a client leaves through the socket of the address the client sent to, so its source
 * address is the one the client knows (ICE and libsrt drop datagrams from any other), instead of
 * the kernel's choice for a wildcard socket. Like pion's {@code MultiUDPMux}.
 *
 * <p>With one address this is just that relay. Thread-safe as {@link UdpRelay}: build,
 * {@link #start()}, then use from any thread.
 */
public final class UdpRelayGroup implements AutoCloseable {
    private final List<InetSocketAddress> addresses;
    private final Function<InetSocketAddress, UdpRelay> factory;
    private final List<UdpRelay> relays = new ArrayList<>();

    /**
     * @param addresses where to listen (at least one); a port 0 in the first picks a free port
     *     that every other address then uses too
     * @param factory a relay bound to the given address, not started (one call per address)
     */
    public UdpRelayGroup(List<InetSocketAddress> addresses, Function<InetSocketAddress, UdpRelay> factory) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("at least one listening address");
        }
        this.addresses = List.copyOf(addresses);
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /**
     * Binds and starts every relay; when one fails, those started are closed again.
     *
     * @throws IOException when an address cannot be bound
     */
    public synchronized UdpRelayGroup start() throws IOException {
        int port = -1;
        try {
            for (InetSocketAddress a : addresses) {
                InetSocketAddress at = port > 0 && a.getPort() == 0 ? new InetSocketAddress(a.getAddress(), port) : a;
                UdpRelay r = factory.apply(at);
                relays.add(r);
                r.start();
                if (port < 0) {
                    port = r.localAddress().getPort();
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    /** The first relay's address (the port every address shares). */
    public InetSocketAddress localAddress() {
        if (relays.isEmpty()) {
            throw new IllegalStateException("not started");
        }
        return relays.get(0).localAddress();
    }

    /** Every listening address, in the order given. */
    public List<InetSocketAddress> localAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (UdpRelay r : relays) {
            out.add(r.localAddress());
        }
        return out;
    }

    /** The relays (fixed after {@link #start()}). */
    public List<UdpRelay> relays() {
        return List.copyOf(relays);
    }

    /** Legs open over all relays. */
    public int openLegs() {
        int n = 0;
        for (UdpRelay r : relays) {
            n += r.openLegs();
        }
        return n;
    }

    /** Workers running over all relays (see {@link UdpRelay#workersAlive()}). */
    public int workersAlive() {
        int n = 0;
        for (UdpRelay r : relays) {
            n += r.workersAlive();
        }
        return n;
    }

    /** Workers that died over all relays (see {@link UdpRelay#workersDied()}). */
    public int workersDied() {
        int n = 0;
        for (UdpRelay r : relays) {
            n += r.workersDied();
        }
        return n;
    }

    /** The counters summed over all relays. */
    public RelayStats stats() {
        long in = 0;
        long out = 0;
        int legs = 0;
        Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
        for (UdpRelay r : relays) {
            RelayStats s = r.stats();
            in += s.packetsIn();
            out += s.packetsOut();
            legs += s.openLegs();
            s.drops().forEach((k, v) -> drops.merge(k, v, Long::sum));
        }
        return new RelayStats(in, out, legs, drops);
    }

    /** Closes every relay. Idempotent. */
    @Override
    public synchronized void close() {
        for (UdpRelay r : relays) {
            r.close();
        }
    }
}
