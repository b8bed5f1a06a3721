package dev.originproxy.examples.logging;

import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

import java.io.PrintStream;
import java.util.List;

/**
 * One named logger writing whole lines to the gateway's log stream. Classic calls
 * ({@code log.info("x {}", y)}) and the fluent API with key-value pairs
 * ({@code log.atInfo().addKeyValue("id", id).log("session start")}) both end in one line.
 *
 * <p>Thread-safe: a line is built first and printed with one call on a {@link PrintStream}, which
 * locks, so lines of concurrent threads never interleave.
 */
final class LineLogger extends LegacyAbstractLogger implements LoggingEventAware {
    private static final long serialVersionUID = 1L;

    private final transient LogLineWriter writer;
    private final transient PrintStream out;
    private final int threshold;

    LineLogger(String name, int threshold, LogLineWriter writer, PrintStream out) {
        this.name = name;
        this.threshold = threshold;
        this.writer = writer;
        this.out = out;
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold;
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                               Throwable throwable) {
        write(level, pattern, arguments, null, throwable, System.currentTimeMillis(), Thread.currentThread().getName());
    }

    /** The fluent API's path: keeps the key-value pairs. */
    @Override
    public void log(LoggingEvent event) {
        if (!enabled(event.getLevel())) {
            return;
        }
        String thread = event.getThreadName() != null ? event.getThreadName() : Thread.currentThread().getName();
        long time = event.getTimeStamp() > 0 ? event.getTimeStamp() : System.currentTimeMillis();
        write(event.getLevel(), event.getMessage(), event.getArgumentArray(), event.getKeyValuePairs(),
                event.getThrowable(), time, thread);
    }

    private void write(Level level, String pattern, Object[] arguments, List<KeyValuePair> pairs,
                       Throwable throwable, long time, String thread) {
        var formatted = MessageFormatter.arrayFormat(pattern, arguments, throwable);
        String message = formatted.getMessage() == null ? "" : formatted.getMessage();
        // arrayFormat drops the throwable it was given when there are no arguments.
        Throwable error = throwable != null ? throwable : formatted.getThrowable();
        out.println(writer.line(time, level, name, thread, message, pairs, error));
    }
}
