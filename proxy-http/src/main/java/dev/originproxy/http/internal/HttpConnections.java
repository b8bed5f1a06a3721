package dev.originproxy.http.internal;

import dev.originproxy.core.tcp.TcpHandlerFactory;

/** Makes the engine handler of each accepted client connection of a front. Stateless. */
public final class HttpConnections {
    private HttpConnections() {
    }

    /** A factory giving every accepted connection its own {@code HttpConnection} over {@code ctx}. */
    public static TcpHandlerFactory factory(FrontContext ctx) {
        return accepted -> new HttpConnection(ctx);
    }
}
