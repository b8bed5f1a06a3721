package dev.originproxy.core.balancer;

import java.util.Objects;

/**
 * The balancer a proxy consults: composed of roles, so a plugin can replace one and keep
 * the others — the {@link OriginRegistry}, the {@link StreamPlacement}, the
 * {@link SessionStore} (WebRTC) and the {@link HlsSessionStore}. Found by name through {@link OriginLoadBalancers} and
 * {@link OriginLoadBalancerProvider} ({@code memory} by default, {@code redis}, or a host's own).
 *
 * <p>Implementations are thread-safe. Their methods may block (a shared store): routers call them
 * on an executor, never on a relay worker.
 */
public interface OriginLoadBalancer extends AutoCloseable {
    /** The provider name this balancer was created by (for logs and views). */
    String name();

    /** The origin registry role. */
    OriginRegistry registry();

    /** The stream placement role. */
    StreamPlacement placement();

    /** The WebRTC session store role. */
    SessionStore sessions();

    /** The HLS viewer session store role. */
    HlsSessionStore hlsSessions();

    /** Releases connections and threads; the default does nothing. */
    @Override
    default void close() {
    }

    /**
     * A balancer made of roles, for plugins that replace one role of another balancer.
     *
     * @param onClose run by {@link #close()}, may be null
     */
    static OriginLoadBalancer of(String name, OriginRegistry registry, StreamPlacement placement,
                                 SessionStore sessions, HlsSessionStore hlsSessions, Runnable onClose) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hlsSessions, "hlsSessions");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(sessions, "sessions");
        return new OriginLoadBalancer() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public OriginRegistry registry() {
                return registry;
            }

            @Override
            public StreamPlacement placement() {
                return placement;
            }

            @Override
            public SessionStore sessions() {
                return sessions;
            }

            @Override
            public HlsSessionStore hlsSessions() {
                return hlsSessions;
            }

            @Override
            public void close() {
                if (onClose != null) {
                    onClose.run();
                }
            }
        };
    }
}
