/**
 * The core of originproxy: stream keys, the origin model and SRS registration, the
 * {@link dev.originproxy.core.balancer.OriginLoadBalancer} SPI with its in-memory default,
 * session lifecycle events, the generic UDP relay engine and the TCP relay engine the routers run on.
 *
 * <p>Nothing here knows STUN, SRT, SDP, an HTTP server or Redis.
 */
// "module": the qualified exports name modules (lb.redis, stun, srt, rtmp, http) built after core.
@SuppressWarnings("module")
module dev.originproxy.core {
    // Not transitive: no public signature of core names an slf4j type; modules that log require
    // it themselves.
    requires org.slf4j;
    requires com.fasterxml.jackson.core;

    exports dev.originproxy.core;
    exports dev.originproxy.core.api;
    exports dev.originproxy.core.origin;
    exports dev.originproxy.core.balancer;
    exports dev.originproxy.core.session;
    // what hosts see of the relay engines (stats, drop/close reasons, transport, defaults)
    exports dev.originproxy.core.relay.api;
    exports dev.originproxy.core.loop;
    // the one HMAC of the project (STUN integrity, SRT SYN cookies) and the one wire-order field
    // access of the codecs; exported to all: a codec module may sit on the class path while core
    // is on the module path (a qualified export would then fail at run time)
    exports dev.originproxy.core.crypto;
    exports dev.originproxy.core.wire;
    // the relay engines' worker internals: only for the routers that run on them
    exports dev.originproxy.core.relay to dev.originproxy.stun, dev.originproxy.srt;
    exports dev.originproxy.core.tcp to dev.originproxy.rtmp, dev.originproxy.http;
    // storage formats: only for the shared-store balancer
    exports dev.originproxy.core.storage to dev.originproxy.lb.redis;

    uses dev.originproxy.core.balancer.OriginLoadBalancerProvider;
    provides dev.originproxy.core.balancer.OriginLoadBalancerProvider
            with dev.originproxy.core.internal.MemoryLoadBalancerProvider;
}
