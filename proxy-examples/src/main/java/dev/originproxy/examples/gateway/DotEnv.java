package dev.originproxy.examples.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code .env} file the way the SRS Go proxy's dotenv loader does: {@code KEY=VALUE} per
 * line, {@code #} comments, blank lines, an optional {@code export } prefix, values optionally in
 * single or double quotes. Variables already in the environment win over the file, so an operator
 * can override one setting without editing it.
 */
public final class DotEnv {
    private DotEnv() {
    }

    /**
     * The environment with the file's variables added underneath it.
     *
     * @param environment the process environment (wins)
     * @param file the {@code .env} file; a missing file adds nothing
     * @throws ConfigException naming the file and line of a malformed line
     */
    public static Map<String, String> merge(Map<String, String> environment, Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        if (Files.isRegularFile(file)) {
            out.putAll(parse(file));
        }
        out.putAll(environment);
        return out;
    }

    /** The variables of one file, in order. */
    public static Map<String, String> parse(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read: " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(file + ":" + (i + 1), "not KEY=VALUE");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                    && value.charAt(value.length() - 1) == value.charAt(0)) {
                value = value.substring(1, value.length() - 1);
            } else {
                // an unquoted value ends at a " #" comment, as in the Go loader
                int hash = value.indexOf(" #");
                if (hash >= 0) {
                    value = value.substring(0, hash).strip();
                }
            }
            out.put(key, value);
        }
        return out;
    }
}
