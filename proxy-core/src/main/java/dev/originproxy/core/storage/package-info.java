/**
 * Storage and wire formats of core values (the SRS heartbeat, the origin record shared
 * stores keep). Exported only to the modules that read or write them: a host talks to
 * {@link dev.originproxy.core.origin.RegistrationHandler}, never to the format.
 */
package dev.originproxy.core.storage;
