/**
 * SRT packet and handshake codec, stream-id access-control syntax, stateless SYN cookies, and the
 * SRT router.
 */
module dev.originproxy.srt {
    requires transitive dev.originproxy.core;
    requires org.slf4j;

    exports dev.originproxy.srt;
    exports dev.originproxy.srt.router;
}
