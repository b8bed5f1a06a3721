package dev.originproxy.lb.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * A three-master Redis Cluster for tests: three {@link RedisServerProcess}es with cluster mode on,
 * joined by {@code redis-cli --cluster create}, ready once every node reports
 * {@code cluster_state:ok} (with a deadline).
 *
 * <p>Not thread-safe; one test class drives it.
 */
public final class RedisClusterProcess implements AutoCloseable {
    private static final Duration READY_DEADLINE = Duration.ofSeconds(30);

    private final List<RedisServerProcess> nodes = new ArrayList<>();

    private RedisClusterProcess() {
    }

    /** Starts three nodes, creates the cluster and waits for {@code cluster_state:ok}. */
    public static RedisClusterProcess start() throws IOException, InterruptedException {
        RedisClusterProcess c = new RedisClusterProcess();
        try {
            for (int i = 0; i < 3; i++) {
                RedisServerProcess n = RedisServerProcess.clusterNodeOnFreePort();
                c.nodes.add(n);
                n.start();
            }
            c.create();
            c.awaitOk();
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            String logs = c.logs();
            c.close();
            throw new IllegalStateException("redis cluster did not start: " + e.getMessage() + "\n" + logs, e);
        }
    }

    private void create() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(RedisServerProcess.redisCli(), "--cluster", "create"));
        for (RedisServerProcess n : nodes) {
            cmd.add("127.0.0.1:" + n.port());
        }
        cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + new String(out, StandardCharsets.UTF_8));
        }
    }

    private void awaitOk() throws InterruptedException {
        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (RedisServerProcess n : nodes) {
                String info;
                try {
                    info = RedisServerProcess.command(n.port(), "CLUSTER", "INFO");
                } catch (IOException e) {
                    info = "";
                }
                ok &= info != null && info.contains("cluster_state:ok");
            }
            if (ok) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("cluster_state did not become ok within " + READY_DEADLINE);
    }

    /** The seed list for {@code redis.cluster.nodes}. */
    public String seeds() {
        StringJoiner j = new StringJoiner(",");
        for (RedisServerProcess n : nodes) {
            j.add("127.0.0.1:" + n.port());
        }
        return j.toString();
    }

    /** Every node's log, for failure messages. */
    public String logs() {
        StringBuilder b = new StringBuilder();
        for (RedisServerProcess n : nodes) {
            b.append("--- redis-server ").append(n.port()).append(" ---\n").append(n.log()).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (RedisServerProcess n : nodes) {
            n.close();
        }
    }
}
