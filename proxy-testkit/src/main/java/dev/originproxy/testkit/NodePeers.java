package dev.originproxy.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Node.js WebRTC peers in {@code e2e-peers/} at the repository root ({@code origin.mjs},
 * {@code whip-client.mjs}, {@code whep-client.mjs}, {@code chromium-whip.mjs}).
 *
 * <p>The repository root comes from the system property {@value #REPO_ROOT_PROPERTY} (set by
 * surefire in the root pom) or, failing that, from walking up from the working directory to the
 * first folder that holds {@code e2e-peers/package.json}. The peers' dependencies must be
 * installed with {@code npm ci --prefix e2e-peers}.
 *
 * <pre>{@code
 * NodePeers peers = NodePeers.locate();
 * try (ExternalProcess whip = peers.start("whip-client", "whip-client.mjs", "--url", url)) {
 *     JsonLines.Event result = JsonLines.await(whip, "result", Duration.ofSeconds(20));
 * }
 * }</pre>
 */
public final class NodePeers {

    /** System property naming the repository root. */
    public static final String REPO_ROOT_PROPERTY = "originproxy.repo.root";

    private final Path repoRoot;
    private final Path peersDir;
    private final Path node;

    private NodePeers(Path repoRoot, Path node) {
        this.repoRoot = repoRoot;
        this.peersDir = repoRoot.resolve("e2e-peers");
        this.node = node;
    }

    /**
     * Finds {@code e2e-peers/}, checks that {@code node} is on PATH and that the dependencies are
     * installed.
     *
     * @return the peers
     * @throws AssertionError with instructions when something is missing
     */
    public static NodePeers locate() {
        Path root = repoRoot();
        Path peers = root.resolve("e2e-peers");
        if (!Files.isDirectory(peers.resolve("node_modules").resolve("werift"))
                || !Files.isDirectory(peers.resolve("node_modules").resolve("playwright-core"))) {
            throw new AssertionError("the e2e peers' dependencies are not installed in " + peers.resolve("node_modules")
                    + "; run: npm ci --prefix " + peers);
        }
        return new NodePeers(root, Tools.require("node"));
    }

    /**
     * @return the repository root (the folder holding {@code e2e-peers/package.json})
     * @throws AssertionError when it cannot be found
     */
    public static Path repoRoot() {
        String prop = System.getProperty(REPO_ROOT_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop).toAbsolutePath().normalize();
            if (Files.isRegularFile(p.resolve("e2e-peers").resolve("package.json"))) {
                return p;
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("e2e-peers").resolve("package.json"))) {
                return dir;
            }
        }
        throw new AssertionError("cannot find e2e-peers/package.json: system property " + REPO_ROOT_PROPERTY + "="
                + prop + ", and no parent of " + Path.of("").toAbsolutePath() + " holds it");
    }

    /** @return the {@code e2e-peers} folder */
    public Path directory() {
        return peersDir;
    }

    /** @return the repository root */
    public Path root() {
        return repoRoot;
    }

    /**
     * @param script a script in {@code e2e-peers/}, e.g. {@code "whip-client.mjs"}
     * @param args   its arguments
     * @return {@code node <abs path to script> args...}
     * @throws AssertionError when the script does not exist
     */
    public List<String> command(String script, String... args) {
        Path file = peersDir.resolve(script);
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("no such peer script: " + file);
        }
        List<String> cmd = new ArrayList<>(args.length + 2);
        cmd.add(node.toString());
        cmd.add(file.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Starts a peer script with {@code e2e-peers/} as working directory.
     *
     * @param name   a short name for the log file
     * @param script a script in {@code e2e-peers/}
     * @param args   its arguments
     * @return the running peer
     */
    public ExternalProcess start(String name, String script, String... args) {
        return ExternalProcess.builder(name, command(script, args)).directory(peersDir).start();
    }
}
