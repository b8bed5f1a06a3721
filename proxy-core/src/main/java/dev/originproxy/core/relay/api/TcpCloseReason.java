package dev.originproxy.core.relay.api;

/**
 * Why a {@code TcpConnection} was closed (or refused). Each connection is closed exactly once, with
 * one reason, counted per reason in {@link TcpRelayStats#closes()}.
 */
public enum TcpCloseReason {
    /** Both directions ended with a FIN and every queued byte was written. */
    CLOSED,
    /** The handler called {@code TcpConnection.close()} and every queued byte was written. */
    LOCAL_CLOSE,
    /** The handler called {@code TcpConnection.abort()}: closed with a reset (RST). */
    ABORTED,
    /** The peer reset the connection (RST, broken pipe) or its socket failed. */
    RESET,
    /** The spliced partner connection ended, so this one was closed (or reset, if the partner was). */
    PARTNER_CLOSED,
    /** An outbound connection was refused or failed before it was established. */
    CONNECT_FAILED,
    /** An outbound connection was not established within its connect timeout. */
    CONNECT_TIMEOUT,
    /** No byte moved either way within the idle timeout. */
    IDLE_TIMEOUT,
    /** A deadline the handler set ({@code TcpConnection.deadline(long)}) passed (e.g. a handshake). */
    DEADLINE,
    /** Queued bytes made no progress towards a peer that stopped reading within the write-stall timeout. */
    WRITE_STALL,
    /** Writing would have queued more than the per-connection maximum of buffered bytes. */
    BUFFER_LIMIT,
    /** The handler left a full input buffer unconsumed (a frame larger than the engine's buffer). */
    INPUT_OVERFLOW,
    /** An accepted connection beyond the engine's maximum of connections; closed at once. */
    CONNECTION_LIMIT,
    /** A handler callback threw (a bug; logged rate-limited). */
    HANDLER_ERROR,
    /** The engine closed. */
    SHUTDOWN
}
