package dev.originproxy.examples.gateway;

import dev.originproxy.testkit.ExternalProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Starts the shaded gateway jar as a separate process, for the integration tests. */
final class GatewayJar {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private GatewayJar() {
    }

    /** The jar {@code mvn package} built (failsafe passes its path). */
    static Path jar() {
        Path jar = Path.of(System.getProperty("originproxy.gateway.jar", "target/originproxy-gateway.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("no gateway jar at " + jar.toAbsolutePath()
                    + ": these tests run in the integration-test phase, after package (mvn -B verify)");
        }
        return jar;
    }

    /** {@code java -jar originproxy-gateway.jar} in {@code dir} with exactly the PROXY_ variables given. */
    static ExternalProcess start(Path dir, Map<String, String> env) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ExternalProcess.Builder b = ExternalProcess.builder("gateway",
                List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar().toAbsolutePath().toString()))
                .directory(dir);
        // Tests must not pick up PROXY_ variables of the shell that runs the build.
        System.getenv().keySet().stream().filter(k -> k.startsWith("PROXY_")).forEach(k -> b.env(k, ""));
        b.env(env);
        return b.start();
    }

    static HttpResponse<String> get(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
    }

    static HttpResponse<String> getWithToken(int port, String path, String token) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).GET());
    }

    static HttpResponse<String> postWithToken(int port, String path, String json, String token) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    static HttpResponse<String> post(int port, String path, String json) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return HTTP.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Polls {@code GET path} until its body satisfies {@code condition}; fails with the last body. */
    static String awaitBody(int port, String path, Predicate<String> condition, Duration deadline)
            throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        String last = null;
        while (System.nanoTime() - end < 0) {
            try {
                HttpResponse<String> r = get(port, path);
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && condition.test(r.body())) {
                    return r.body();
                }
            } catch (UncheckedIOException e) {
                last = e.getMessage();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("GET " + path + " did not satisfy " + condition + " within " + deadline
                + "; last answer: " + last);
    }

    /** Polls {@code GET path} until it answers {@code status}; fails with the last answer. */
    static void awaitStatus(int port, String path, int status, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        String last = null;
        while (System.nanoTime() - end < 0) {
            try {
                HttpResponse<String> r = get(port, path);
                if (r.statusCode() == status) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (UncheckedIOException e) {
                last = e.getMessage();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("GET " + path + " did not answer " + status + " within " + deadline
                + "; last answer: " + last);
    }
}
