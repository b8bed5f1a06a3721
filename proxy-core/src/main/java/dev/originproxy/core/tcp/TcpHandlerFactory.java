package dev.originproxy.core.tcp;

/**
 * Makes the {@link TcpHandler} of each accepted client connection. Called on the worker that owns
 * the new connection, so it must not block; it may keep per-worker state keyed by
 * {@link TcpConnection#worker()}.
 */
@FunctionalInterface
public interface TcpHandlerFactory {
    /** The handler for {@code accepted}; {@link TcpHandler#onOpen} follows at once. */
    TcpHandler create(TcpConnection accepted);
}
