package dev.originproxy.examples.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The gateway's SLF4J binding: one line per event on standard error, as text (default) or as one
 * JSON object per line ({@code PROXY_LOG_FORMAT=json}). The library modules log through
 * {@code slf4j-api} only; this binding ships with the runnable gateway, and a host embedding the
 * library brings its own.
 *
 * <p>Settings are read once, when SLF4J initialises (the first logger): the system properties
 * {@value #LEVEL_PROPERTY} ({@code trace}, {@code debug}, {@code info}, {@code warn},
 * {@code error}, {@code off}; default {@code info}) and {@value #FORMAT_PROPERTY} ({@code text} or
 * {@code json}; default {@code text}). The gateway's {@code Main} sets them from
 * {@code PROXY_LOG_LEVEL} and {@code PROXY_LOG_FORMAT} before it logs anything.
 */
public final class GatewayLoggingProvider implements SLF4JServiceProvider {
    /** System property naming the lowest level written. */
    public static final String LEVEL_PROPERTY = "originproxy.log.level";
    /** System property naming the line format, {@code text} or {@code json}. */
    public static final String FORMAT_PROPERTY = "originproxy.log.format";

    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private volatile ILoggerFactory loggers;

    /** Called by {@link java.util.ServiceLoader}. */
    public GatewayLoggingProvider() {
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        int threshold = threshold(System.getProperty(LEVEL_PROPERTY, "info"));
        boolean json = System.getProperty(FORMAT_PROPERTY, "text").trim().equalsIgnoreCase("json");
        loggers = factory(threshold, new LogLineWriter(json), System.err);
    }

    /** A logger factory writing to {@code out}; for tests and for {@link #initialize()}. */
    static ILoggerFactory factory(int threshold, LogLineWriter writer, PrintStream out) {
        ConcurrentMap<String, Logger> byName = new ConcurrentHashMap<>();
        return name -> byName.computeIfAbsent(name, n -> new LineLogger(n, threshold, writer, out));
    }

    /** The lowest {@link Level#toInt()} written for a level name; {@code off} writes nothing. */
    static int threshold(String level) {
        switch (level.trim().toLowerCase(Locale.ROOT)) {
            case "trace": return Level.TRACE.toInt();
            case "debug": return Level.DEBUG.toInt();
            case "warn": return Level.WARN.toInt();
            case "error": return Level.ERROR.toInt();
            case "off": return Integer.MAX_VALUE;
            default: return Level.INFO.toInt();
        }
    }
}
