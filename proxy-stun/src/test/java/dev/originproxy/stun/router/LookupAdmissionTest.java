package dev.originproxy.stun.router;

import dev.originproxy.core.relay.api.DropReason;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class LookupAdmissionTest {
    private static final long SECOND = 1_000_000_000L;

    private static InetAddress ip(int last) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
    }

    @Test
    void theNegativeCacheIsBoundedAndEvictsTheOldest() throws Exception {
        LookupAdmission a = new LookupAdmission(new AtomicInteger(), 1_000, 1_000, 1_000_000, SECOND, 100, 100);
        for (int i = 0; i < 500; i++) {
            assertThat(a.admit("name-" + i, ip(1), i)).isNull();
            a.finished("name-" + i, true, i);
        }
        assertThat(a.negativeSize()).isEqualTo(100);
        assertThat(a.admit("name-499", ip(1), 600)).isEqualTo(DropReason.UNKNOWN_SESSION);
        assertThat(a.admit("name-0", ip(1), 600)).as("evicted: may be asked again").isNull();
    }

    @Test
    void rememberedMissesExpireWithoutASweep() throws Exception {
        LookupAdmission a = new LookupAdmission(new AtomicInteger(), 1_000, 1_000, 1_000_000, SECOND, 100, 100);
        a.admit("x", ip(1), 0);
        a.finished("x", true, 0);
        assertThat(a.admit("x", ip(1), SECOND / 2)).isEqualTo(DropReason.UNKNOWN_SESSION);
        assertThat(a.admit("x", ip(1), SECOND + 1)).isNull();
        assertThat(a.negativeSize()).isZero();
    }

    @Test
    void aSourceOfMadeUpNamesIsThrottledWhileAnotherSourceIsNot() throws Exception {
        AtomicInteger total = new AtomicInteger();
        LookupAdmission a = new LookupAdmission(total, 1_000, 16, 10, SECOND, 10_000, 100);
        int admitted = 0;
        for (int i = 0; i < 1_000; i++) {
            if (a.admit("junk-" + i, ip(66), 0) == null) {
                admitted++;
                a.finished("junk-" + i, true, 0);
            }
        }
        assertThat(admitted).as("burst of misses, then nothing").isEqualTo(20);
        for (int i = 0; i < 100; i++) {
            assertThat(a.admit("real-" + i, ip(7), 0)).isNull();
            a.finished("real-" + i, false, 0); // found: costs nothing
        }
        assertThat(total).hasValue(0);
    }

    @Test
    void pastHalfTheSlotsOnlySourcesWithLittleInFlightGetIn() throws Exception {
        AtomicInteger total = new AtomicInteger();
        LookupAdmission a = new LookupAdmission(total, 100, 1_000, 1_000_000, SECOND, 10_000, 100);
        int busy = 0;
        for (int i = 0; i < 1_000; i++) {
            if (a.admit("busy-" + i, ip(1), 0) == null) {
                busy++;
            }
        }
        assertThat(busy).isEqualTo(50);
        assertThat(a.admit("newcomer", ip(2), 0)).isNull();
        assertThat(total).hasValue(51);
    }
}
