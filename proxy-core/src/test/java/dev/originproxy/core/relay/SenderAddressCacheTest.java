package dev.originproxy.core.relay;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class SenderAddressCacheTest {
    @Test
    void aRepeatSenderGetsTheSameInstance() {
        SenderAddressCache cache = new SenderAddressCache();
        InetSocketAddress a = cache.ipv4(0x7F000001, 5000);
        assertThat(a).isEqualTo(new InetSocketAddress("127.0.0.1", 5000));
        assertThat(cache.ipv4(0x7F000001, 5000)).isSameAs(a);
        assertThat(cache.ipv4(0x7F000001, 5001)).isNotEqualTo(a);
        assertThat(cache.misses()).isEqualTo(2);
    }

    @Test
    void ipv4MappedSendersAreIpv4LikeTheJdkReportsThem() {
        SenderAddressCache cache = new SenderAddressCache();
        InetSocketAddress mapped = cache.ipv6(0L, 0xFFFF_7F00_0001L, 7000, 0);
        assertThat(mapped.getAddress()).isInstanceOf(Inet4Address.class);
        assertThat(mapped).isSameAs(cache.ipv4(0x7F000001, 7000));
    }

    @Test
    void ipv6SendersKeepTheirScope() throws Exception {
        SenderAddressCache cache = new SenderAddressCache();
        InetSocketAddress one = cache.ipv6(0L, 1L, 8000, 0);
        assertThat(one).isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 8000));
        InetSocketAddress linkLocal = cache.ipv6(0xFE80_0000_0000_0000L, 2L, 8000, 3);
        assertThat(((Inet6Address) linkLocal.getAddress()).getScopeId()).isEqualTo(3);
        assertThat(cache.ipv6(0xFE80_0000_0000_0000L, 2L, 8000, 3)).isSameAs(linkLocal);
    }

    @Test
    void aFloodOfSendersStaysBoundedAndStillAnswersCorrectly() {
        SenderAddressCache cache = new SenderAddressCache();
        for (int i = 0; i < 10 * SenderAddressCache.ENTRIES; i++) {
            InetSocketAddress a = cache.ipv4(0x0A000000 + i, 1 + (i & 0x7FFF));
            assertThat(a.getPort()).isEqualTo(1 + (i & 0x7FFF));
            assertThat(a.getAddress().hashCode()).isEqualTo(0x0A000000 + i);
        }
        // a hot sender survives the flood's evictions once it is touched again
        InetSocketAddress hot = cache.ipv4(0x7F000001, 9);
        assertThat(cache.ipv4(0x7F000001, 9)).isSameAs(hot);
    }

    @Test
    void inet4HashCodeIsTheBigEndianAddressTheFastPathEncodes() throws Exception {
        // LinuxSockets.writeSockaddr reads an IPv4 address through hashCode() to allocate nothing
        for (String s : new String[] {"127.0.0.1", "10.1.2.3", "255.254.253.252", "0.0.0.0"}) {
            InetAddress a = InetAddress.getByName(s);
            assertThat(a.hashCode()).isEqualTo(ByteBuffer.wrap(a.getAddress()).getInt());
        }
    }
}
