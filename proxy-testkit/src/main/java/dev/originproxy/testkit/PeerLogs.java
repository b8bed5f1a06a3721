package dev.originproxy.testkit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * JUnit 5 extension that prints the logs of the {@link ExternalProcess}es a test started when
 * that test fails: the processes started since the test class began (so peers started in
 * {@code @BeforeAll} are included) are printed to {@code System.err}, each with its command line
 * and log file path.
 *
 * <pre>{@code
 * @ExtendWith(PeerLogs.class)
 * class WhipThroughProxyTest { ... }
 * }</pre>
 *
 * <p>Processes started by tests running in parallel in the same JVM may appear in each other's
 * output; the logs are also on disk under {@code target/peer-logs/}.
 */
public final class PeerLogs implements BeforeAllCallback, BeforeEachCallback, TestWatcher {

    private static final int MAX_REMEMBERED = 256;
    private static final ArrayDeque<ExternalProcess> RECENT = new ArrayDeque<>();
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PeerLogs.class);
    private static final String CLASS_MARK = "classMark";
    private static final String TEST_MARK = "testMark";

    /** Creates the extension (JUnit does this for {@code @ExtendWith}). */
    public PeerLogs() {
    }

    static void register(ExternalProcess p) {
        synchronized (RECENT) {
            RECENT.addLast(p);
            while (RECENT.size() > MAX_REMEMBERED) {
                RECENT.removeFirst();
            }
        }
    }

    /**
     * @param fromSequence the first process sequence number to include
     * @return the remembered processes started at or after that sequence number
     */
    static List<ExternalProcess> startedSince(int fromSequence) {
        synchronized (RECENT) {
            List<ExternalProcess> out = new ArrayList<>();
            for (ExternalProcess p : RECENT) {
                if (p.sequence() >= fromSequence) {
                    out.add(p);
                }
            }
            return out;
        }
    }

    private static int nextSequence() {
        synchronized (RECENT) {
            return RECENT.isEmpty() ? 0 : RECENT.peekLast().sequence() + 1;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put(CLASS_MARK, nextSequence());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put(TEST_MARK, nextSequence());
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        Integer mark = context.getStore(NS).get(CLASS_MARK, Integer.class);
        if (mark == null) {
            mark = context.getStore(NS).get(TEST_MARK, Integer.class);
        }
        List<ExternalProcess> processes = startedSince(mark == null ? 0 : mark);
        StringBuilder sb = new StringBuilder();
        sb.append("===== ").append(context.getDisplayName()).append(" failed; logs of ")
                .append(processes.size()).append(" external process(es) =====\n");
        for (ExternalProcess p : processes) {
            sb.append(p.logBlock()).append('\n');
        }
        System.err.print(sb);
        System.err.flush();
    }
}
