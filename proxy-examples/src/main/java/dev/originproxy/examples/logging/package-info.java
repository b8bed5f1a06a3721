/**
 * The runnable gateway's SLF4J binding (text or JSON lines); not exported: found by
 * {@link java.util.ServiceLoader} only.
 */
package dev.originproxy.examples.logging;
