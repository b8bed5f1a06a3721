package dev.originproxy.examples.gateway;

/**
 * A bad gateway setting. Its message is one line that starts with the environment variable's
 * name, so an operator sees at once what to fix.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String variable;

    /**
     * @param variable the environment variable at fault
     * @param reason what is wrong with it, one line
     */
    public ConfigException(String variable, String reason) {
        super(variable + ": " + reason.replace('\n', ' ').replace('\r', ' '));
        this.variable = variable;
    }

    /** The environment variable at fault. */
    public String variable() {
        return variable;
    }
}
