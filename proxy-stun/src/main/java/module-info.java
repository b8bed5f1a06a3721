/**
 * STUN codec (RFC 8489 / RFC 5389), RFC 7983 first-byte demultiplexing, and the WebRTC router
 * that demultiplexes ICE sessions on one UDP port by STUN USERNAME.
 */
module dev.originproxy.stun {
    requires transitive dev.originproxy.core;
    requires org.slf4j;

    exports dev.originproxy.stun;
    exports dev.originproxy.stun.router;
}
