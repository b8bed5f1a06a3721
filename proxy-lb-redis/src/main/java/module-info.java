/**
 * The {@code redis} {@link dev.originproxy.core.balancer.OriginLoadBalancer}: origins, stream
 * placements and WebRTC sessions kept in Redis (standalone, Sentinel or Cluster), so a fleet of
 * stateless proxies shares them. Hosts select it by name through
 * {@link dev.originproxy.core.balancer.OriginLoadBalancers#create} with the settings documented
 * on {@link dev.originproxy.lb.redis.RedisLoadBalancerProvider}.
 *
 * <p>Every balancer method does blocking Redis I/O: call it on an executor, never on a relay
 * worker.
 */
module dev.originproxy.lb.redis {
    // The provider's API types (OriginLoadBalancer, its roles) come from core.
    requires transitive dev.originproxy.core;
    requires redis.clients.jedis;
    // jedis' pool configuration extends commons-pool2 types; the pool size is set through them.
    requires org.apache.commons.pool2;
    requires com.fasterxml.jackson.core;
    requires org.slf4j;

    exports dev.originproxy.lb.redis;

    provides dev.originproxy.core.balancer.OriginLoadBalancerProvider
            with dev.originproxy.lb.redis.RedisLoadBalancerProvider;
}
