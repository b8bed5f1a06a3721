package dev.originproxy.core.relay;

/** Creates the {@link RelayHandler} of each worker; called once per worker, on its thread. */
@FunctionalInterface
public interface RelayHandlerFactory {
    /** The handler for {@code worker}. */
    RelayHandler create(RelayWorker worker);
}
