package dev.originproxy.http.internal.hls;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SessionQueryTest {
    @Test
    void findsTheSessionIdAmongOtherParameters() {
        assertThat(SessionQuery.sessionId("hls_ctx=abc&spbhid=ID1&x=2")).isEqualTo("ID1");
        assertThat(SessionQuery.sessionId("spbhid=ID1")).isEqualTo("ID1");
        assertThat(SessionQuery.sessionId("spbhid=ID1&spbhid=ID2")).isEqualTo("ID1");
    }

    @Test
    void findsNoSessionIdInLookalikesOrNoQuery() {
        assertThat(SessionQuery.sessionId(null)).isNull();
        assertThat(SessionQuery.sessionId("")).isNull();
        assertThat(SessionQuery.sessionId("xspbhid=1&spbhidx=2&spbhid")).isNull();
        assertThat(SessionQuery.sessionId("a=spbhid=3")).isNull();
    }

    @Test
    void originTargetKeepsEveryOtherParameterInOrderAndDropsTheSessionId() {
        assertThat(SessionQuery.originTarget("/live/a.m3u8", "hls_ctx=abc&spbhid=ID&_HLS_msn=273&_HLS_part=2&_HLS_skip=YES"))
                .isEqualTo("/live/a.m3u8?hls_ctx=abc&_HLS_msn=273&_HLS_part=2&_HLS_skip=YES");
        assertThat(SessionQuery.originTarget("/live/a-1.ts", "spbhid=ID")).isEqualTo("/live/a-1.ts");
        assertThat(SessionQuery.originTarget("/live/a-1.ts", null)).isEqualTo("/live/a-1.ts");
        assertThat(SessionQuery.originTarget("/k", "t=%2F%3D&spbhid=ID")).isEqualTo("/k?t=%2F%3D");
        assertThat(SessionQuery.originTarget("/k", "spbhidx=1")).isEqualTo("/k?spbhidx=1");
    }
}
