package dev.originproxy.http.internal;

/**
 * The front's bounds, in nanoseconds and bytes; immutable.
 *
 * @param maxRequestLine longest request line (414 beyond)
 * @param maxHead longest request head (431 beyond)
 * @param maxHeaders most header fields (431 beyond)
 * @param headTimeoutNanos a request head must be complete this long after its first byte (408)
 * @param keepAliveTimeoutNanos an idle kept-alive (or new) connection is closed after this long
 * @param originResponseTimeoutNanos the origin's response head must arrive within this (504)
 * @param originConnectTimeoutNanos the origin must accept the connection within this (504)
 * @param maxOriginHead longest origin response head (502 beyond)
 */
public record FrontSettings(int maxRequestLine, int maxHead, int maxHeaders, long headTimeoutNanos,
                            long keepAliveTimeoutNanos, long originResponseTimeoutNanos,
                            long originConnectTimeoutNanos, int maxOriginHead) {
}
