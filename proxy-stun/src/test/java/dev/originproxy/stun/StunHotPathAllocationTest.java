package dev.originproxy.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The per-datagram path (wrap, USERNAME lookup, MESSAGE-INTEGRITY and FINGERPRINT checks, and
 * writing a signed response) allocates nothing once warm. Reads the thread's allocation counter
 * ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}), so it is a count, not a
 * timing.
 *
 * <p>The module does not read {@code java.management}/{@code jdk.management} (the library has no
 * business doing so), hence the public-lookup method handles: they need no readability, and the
 * exact {@code long} signature avoids boxing inside the measured window.
 */
class StunHotPathAllocationTest {

    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 10_000;

    private final StunMessage message = new StunMessage();
    private final StunMessage response = new StunMessage();
    private final StunVerifier verifier = new StunVerifier();
    private final StunMessageWriter writer = new StunMessageWriter();
    private final StunIntegrityKey key = StunIntegrityKey.shortTerm(StunVectors.PASSWORD);
    private final byte[] username = "evtj:h6vY".getBytes(StandardCharsets.US_ASCII);
    private final byte[] mappedAddress = {(byte) 192, 0, 2, 1};
    private final ByteBuffer out = ByteBuffer.allocateDirect(1500);

    @ParameterizedTest(name = "direct buffer: {0}")
    @ValueSource(booleans = {false, true})
    void wrapVerifyAndAnswerAllocateNothing(boolean direct) throws Throwable {
        byte[] request = StunVectors.load(StunVectors.REQUEST);
        ByteBuffer in = direct ? ByteBuffer.allocateDirect(1500) : ByteBuffer.allocate(1500);
        in.put(0, request);
        AllocationCounter counter = new AllocationCounter();

        assertThat(run(in, request.length, WARM_UP)).isEqualTo(WARM_UP);
        long least = Long.MAX_VALUE;
        // The least of three windows: a one-off (class loading, a JIT deoptimisation) is not
        // the steady state this test is about.
        for (int attempt = 0; attempt < 3 && least > 0; attempt++) {
            long before = counter.allocatedBytes();
            int accepted = run(in, request.length, MEASURED);
            long after = counter.allocatedBytes();
            assertThat(accepted).isEqualTo(MEASURED);
            least = Math.min(least, after - before);
        }
        assertThat(least).as("bytes allocated by %d datagrams", MEASURED).isZero();
    }

    private int run(ByteBuffer in, int length, int iterations) {
        int accepted = 0;
        for (int i = 0; i < iterations; i++) {
            if (message.wrap(in, 0, length)
                    && message.isBindingRequest()
                    && message.usernameEquals(username, 0, username.length)
                    && verifier.verifyIntegrity(message, key)
                    && verifier.verifyFingerprint(message)) {
                int n = writer.start(out, 0, StunMessageType.BINDING_SUCCESS_RESPONSE, message)
                        .xorMappedAddress(mappedAddress, 0, 4, 32853)
                        .messageIntegrity(key)
                        .fingerprint()
                        .finish();
                if (response.wrap(out, 0, n) && verifier.verifyIntegrity(response, key)) {
                    accepted++;
                }
            }
        }
        return accepted;
    }

    /** {@code getThreadAllocatedBytes(currentThreadId)} through method handles. */
    private static final class AllocationCounter {
        private final Object bean;
        private final MethodHandle allocatedBytes;
        private final long threadId = Thread.currentThread().getId();

        AllocationCounter() throws Throwable {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            Class<?> standardBean = Class.forName("java.lang.management.ThreadMXBean");
            Class<?> sunBean = Class.forName("com.sun.management.ThreadMXBean");
            bean = lookup.findStatic(factory, "getThreadMXBean", MethodType.methodType(standardBean))
                    .invoke();
            allocatedBytes = lookup.findVirtual(sunBean, "getThreadAllocatedBytes",
                            MethodType.methodType(long.class, long.class))
                    .asType(MethodType.methodType(long.class, Object.class, long.class));
            allocatedBytes();
        }

        long allocatedBytes() throws Throwable {
            return (long) allocatedBytes.invokeExact(bean, threadId);
        }
    }
}
