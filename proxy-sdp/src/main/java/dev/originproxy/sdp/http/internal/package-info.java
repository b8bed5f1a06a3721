/**
 * The guarded HTTP server's parts: the strict request-head reader and the state of a connection
 * while its request arrives. Not exported.
 */
package dev.originproxy.sdp.http.internal;
