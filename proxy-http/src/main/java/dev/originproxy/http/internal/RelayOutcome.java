package dev.originproxy.http.internal;

/** How a relay of an origin's answer ended. */
public enum RelayOutcome {
    /** The whole response reached the client. */
    COMPLETED,
    /** The client closed its connection. */
    CLIENT_CLOSED,
    /** The client stopped reading: its buffer stayed full past the write timeout. */
    CLIENT_TOO_SLOW,
    /** The origin closed or broke the stream before a framed end. */
    ORIGIN_CLOSED,
    /** The origin could not be connected to (answered 502). */
    ORIGIN_UNREACHABLE,
    /** The origin did not answer within the response timeout (answered 504). */
    ORIGIN_TIMEOUT,
    /** The origin's response head was not valid HTTP (answered 502). */
    ORIGIN_INVALID,
    /** The front is closing. */
    SHUTDOWN
}
