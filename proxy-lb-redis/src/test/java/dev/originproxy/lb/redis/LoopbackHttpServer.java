package dev.originproxy.lb.redis;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The JDK's {@code com.sun.net.httpserver.HttpServer} on 127.0.0.1 and a free port, driven by
 * reflection: the tests are compiled into the module {@code dev.originproxy.lb.redis}, which does
 * not read {@code jdk.httpserver} (only proxy-sdp's {@code JdkHttpAdapter} does), so the type
 * cannot be named here.
 */
final class LoopbackHttpServer {
    private final Object server;
    private final Class<?> type;

    private LoopbackHttpServer(Object server, Class<?> type) {
        this.server = server;
        this.type = type;
    }

    static LoopbackHttpServer create(Executor executor) throws IOException {
        try {
            Class<?> type = Class.forName("com.sun.net.httpserver.HttpServer");
            Object s = type.getMethod("create", InetSocketAddress.class, int.class)
                    .invoke(null, new InetSocketAddress("127.0.0.1", 0), 0);
            type.getMethod("setExecutor", Executor.class).invoke(s, executor);
            return new LoopbackHttpServer(s, type);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IOException) {
                throw (IOException) e.getCause();
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("JDK HTTP server unavailable", e);
        }
    }

    /** Mounts a {@code com.sun.net.httpserver.HttpHandler} (e.g. a {@code JdkHttpAdapter}) on a path prefix. */
    void mount(String path, Object handler) {
        try {
            Class<?> handlerType = Class.forName("com.sun.net.httpserver.HttpHandler");
            type.getMethod("createContext", String.class, handlerType).invoke(server, path, handler);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot mount " + path, e);
        }
    }

    void start() {
        call("start");
    }

    void stop() {
        try {
            type.getMethod("stop", int.class).invoke(server, 0);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot stop the HTTP server", e);
        }
    }

    int port() {
        try {
            Method m = type.getMethod("getAddress");
            return ((InetSocketAddress) m.invoke(server)).getPort();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private void call(String method) {
        try {
            type.getMethod(method).invoke(server);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("HttpServer." + method + " failed", e);
        }
    }
}
