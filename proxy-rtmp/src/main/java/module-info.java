/**
 * RTMP for originproxy: the codec (handshake in the simple and the digest form, chunk stream
 * decoding and encoding, protocol control messages, AMF0 and AMF3-wrapped commands) in
 * {@code dev.originproxy.rtmp}, and the RTMP router built on it.
 *
 * <p>The codec knows nothing of routers, sockets or balancers.
 */
module dev.originproxy.rtmp {
    requires transitive dev.originproxy.core;
    requires org.slf4j;

    exports dev.originproxy.rtmp;
    exports dev.originproxy.rtmp.router;
}
