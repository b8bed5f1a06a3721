/**
 * The originproxy gateway (a runnable drop-in for the SRS Go proxy, configured by the same
 * environment variables) and the examples that show how a host embeds the library: the wiring in
 * {@link dev.originproxy.examples.gateway.Gateway} and a load-balancer plugin,
 * {@code least-sessions}, found through {@link java.util.ServiceLoader}.
 */
module dev.originproxy.examples {
    // transitive: the exported gateway API (Gateway, GatewayMetrics, SystemApi) names their types
    requires transitive dev.originproxy.core;
    requires transitive dev.originproxy.sdp;
    requires transitive dev.originproxy.stun;
    requires transitive dev.originproxy.srt;
    requires transitive dev.originproxy.http;
    requires transitive dev.originproxy.rtmp;
    requires com.fasterxml.jackson.core;
    requires org.slf4j;
    requires jdk.httpserver;
    // The gateway's counters are also JMX MBeans.
    requires transitive java.management;
    // sun.misc.Signal: SIGTERM/SIGINT handled without the JVM's exit status 143/130, so a clean
    // shutdown exits 0.
    requires jdk.unsupported;

    // Exported so JMX can introspect the MBean interface and hosts can reuse the wiring.
    exports dev.originproxy.examples.gateway;

    uses dev.originproxy.core.balancer.OriginLoadBalancerProvider;
    // The gateway's own SLF4J binding (text or JSON lines, PROXY_LOG_FORMAT).
    provides org.slf4j.spi.SLF4JServiceProvider
            with dev.originproxy.examples.logging.GatewayLoggingProvider;
    provides dev.originproxy.core.balancer.OriginLoadBalancerProvider
            with dev.originproxy.examples.plugin.LeastSessionsLoadBalancerProvider;
}
