package dev.originproxy.core.relay.api;

/** Why a datagram was dropped; counted per worker, never thrown. */
public enum DropReason {
    /** Not a valid packet of the expected protocol. */
    MALFORMED,
    /** Names no live session, or comes from an address no session knows. */
    UNKNOWN_SESSION,
    /** Failed authentication (bad MESSAGE-INTEGRITY, bad SYN cookie). */
    UNAUTHENTICATED,
    /** Arrived while the session was being looked up or set up; the peer retransmits. */
    PENDING,
    /** The session or leg limit was reached. */
    LIMIT,
    /** A kind of packet the router does not support (e.g. SRT rendezvous). */
    UNSUPPORTED,
    /** The socket had no room or failed to send. */
    SEND_FAILED,
    /** A router raised an unexpected exception for the packet (a bug; logged rate-limited). */
    HANDLER_ERROR
}
