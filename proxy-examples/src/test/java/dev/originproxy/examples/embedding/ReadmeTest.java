package dev.originproxy.examples.embedding;

import dev.originproxy.testkit.NodePeers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The README quotes code and commands that must stay true. */
class ReadmeTest {
    private static String read(Path p) throws Exception {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    @Test
    void quotesTheEmbeddingExampleAsItCompiles() throws Exception {
        Path root = NodePeers.repoRoot();
        String source = read(root.resolve(
                "proxy-examples/src/test/java/dev/originproxy/examples/embedding/EmbeddingExample.java"));
        int begin = source.indexOf("// README-BEGIN\n") + "// README-BEGIN\n".length();
        int end = source.indexOf("        // README-END");
        assertThat(begin).isGreaterThan("// README-BEGIN\n".length());
        assertThat(end).isGreaterThan(begin);
        // The README shows the block without the constructor's indentation.
        String snippet = Arrays.stream(source.substring(begin, end).split("\n"))
                .map(l -> l.startsWith("        ") ? l.substring(8) : l)
                .collect(Collectors.joining("\n"));
        assertThat(read(root.resolve("README.md"))).contains(snippet);
    }

    @Test
    void keepsTheQuickStartCommands() throws Exception {
        String readme = read(NodePeers.repoRoot().resolve("README.md"));
        assertThat(readme)
                .contains("mvn -B -q -DskipTests package && java -jar proxy-examples/target/originproxy-gateway.jar")
                .contains("```sh\n./test\n```");
    }

    @Test
    void ciRunsTheReadmeTestCommandWhichRunsMavenVerify() throws Exception {
        Path root = NodePeers.repoRoot();
        assertThat(read(root.resolve(".ci/run"))).contains("exec ./test");
        assertThat(read(root.resolve("test"))).contains("exec mvn -B verify \"$@\"");
        assertThat(Files.isExecutable(root.resolve("test"))).isTrue();
    }
}
