package dev.originproxy.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the external executables end-to-end tests need. A missing tool fails the test with a
 * message naming the Debian package to install; it never skips the test.
 */
public final class Tools {

    /** Executable name to the Debian package that provides it. */
    private static final Map<String, String> DEBIAN_PACKAGES = Map.ofEntries(
            Map.entry("redis-server", "redis-server"),
            Map.entry("redis-cli", "redis-tools"),
            Map.entry("redis-sentinel", "redis-sentinel"),
            Map.entry("srt-live-transmit", "srt-tools"),
            Map.entry("srt-file-transmit", "srt-tools"),
            Map.entry("chromium", "chromium"),
            Map.entry("ffmpeg", "ffmpeg"),
            Map.entry("ffprobe", "ffmpeg"),
            Map.entry("node", "nodejs"),
            Map.entry("npm", "npm"),
            Map.entry("nginx", "nginx"),
            Map.entry("rtmpdump", "rtmpdump"));

    private Tools() {
    }

    /**
     * Finds an executable on {@code PATH} (or checks an absolute/relative path containing a
     * slash).
     *
     * @param executable a command name such as {@code redis-server}, or a path
     * @return the executable's path
     * @throws AssertionError naming the Debian package to install when it is not found
     */
    public static Path require(String executable) {
        return find(executable).orElseThrow(() -> new AssertionError(missingMessage(executable)));
    }

    /**
     * @param executable a command name or a path
     * @return the executable's path when found on {@code PATH}, otherwise empty
     */
    public static Optional<Path> find(String executable) {
        if (executable.contains("/")) {
            Path p = Path.of(executable);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, executable);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static String missingMessage(String executable) {
        String name = Path.of(executable).getFileName().toString();
        String pkg = DEBIAN_PACKAGES.get(name);
        String hint = pkg != null
                ? "install it with: apt-get install -y " + pkg
                : "install the package that provides it (apt-cache search " + name + ")";
        return "required executable '" + executable + "' was not found on PATH (" + System.getenv("PATH")
                + "); " + hint;
    }
}
