/**
 * What hosts see of the UDP and TCP relay engines: counter snapshots ({@link
 * dev.originproxy.core.relay.api.RelayStats}, {@link dev.originproxy.core.relay.api.TcpRelayStats}),
 * the reasons a datagram is dropped or a connection closed, the UDP transport choice and the
 * engines' defaults.
 *
 * <p>The engines themselves ({@code dev.originproxy.core.relay}, {@code dev.originproxy.core.tcp})
 * are exported only to the router modules that run on them; this package is exported to all, so
 * the routers' public stats and settings can name these types.
 */
package dev.originproxy.core.relay.api;
