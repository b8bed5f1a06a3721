/**
 * SDP reading and rewriting, the SRS legacy JSON envelope, and the WHIP/WHEP signalling forwarder.
 */
module dev.originproxy.sdp {
    requires transitive dev.originproxy.core;
    requires com.fasterxml.jackson.core;
    // transitive: public signatures name their types (WhipForwarder.Builder takes an HttpClient,
    // JdkHttpAdapter is a com.sun.net.httpserver.HttpHandler).
    requires transitive java.net.http;
    requires transitive jdk.httpserver;
    requires org.slf4j;

    exports dev.originproxy.sdp;
    exports dev.originproxy.sdp.whip;
    exports dev.originproxy.sdp.http;
}
