/**
 * SDP reading and rewriting, the SRS legacy JSON envelope, and the WHIP/WHEP signalling forwarder.
 */
module dev.originproxy.sdp {
    requires transitive dev.originproxy.core;
    requires com.fasterxml.jackson.core;
    requires java.net.http;
    requires jdk.httpserver;
    requires org.slf4j;

    exports dev.originproxy.sdp;
    exports dev.originproxy.sdp.whip;
    exports dev.originproxy.sdp.http;
}
