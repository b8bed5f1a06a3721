package dev.originproxy.examples.gateway;

/**
 * A listener of the gateway could not be opened (port in use, address not local). Its message is
 * one line naming the environment variable and the address.
 */
public final class StartupException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * @param variable the environment variable that set the address
     * @param what what was being started, e.g. {@code cannot listen on 0.0.0.0:11985/tcp}
     * @param cause the I/O failure
     */
    public StartupException(String variable, String what, Throwable cause) {
        super(variable + ": " + what + ": " + reason(cause), cause);
    }

    private static String reason(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m.replace('\n', ' ');
    }
}
