package dev.originproxy.http.internal.hls;

import dev.originproxy.core.StreamKey;
import dev.originproxy.core.balancer.BalancerConfig;
import dev.originproxy.core.balancer.HlsSession;
import dev.originproxy.core.balancer.MemoryLoadBalancer;
import dev.originproxy.core.origin.OriginEndpoint;
import dev.originproxy.core.origin.OriginProtocol;
import dev.originproxy.core.origin.OriginServer;
import dev.originproxy.core.session.EndReason;
import dev.originproxy.core.session.SessionCounters;
import dev.originproxy.core.session.SessionInfo;
import dev.originproxy.core.session.SessionLifecycle;
import dev.originproxy.core.session.SessionListener;
import dev.originproxy.core.session.SessionProtocol;
import dev.originproxy.core.session.SessionRefusedException;
import dev.originproxy.http.internal.HttpExchange;
import dev.originproxy.http.internal.HttpHeader;
import dev.originproxy.http.internal.HttpMethod;
import dev.originproxy.http.internal.HttpRequest;
import dev.originproxy.http.internal.HttpResponse;
import dev.originproxy.http.internal.OriginRelay;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HLS handler against a scripted loopback origin and the memory balancer, through a
 * synchronous exchange (the front's event loop is tested with real players in the E2E tests).
 */
class HlsHandlerTest {
    private static final Pattern ID = Pattern.compile("spbhid=([A-Za-z0-9_-]{22})");

    private final MutableClock clock = new MutableClock();
    private final SessionLifecycle lifecycle = new SessionLifecycle();
    private final List<String> ended = new CopyOnWriteArrayList<>();
    private ScriptedOrigin origin;
    private MemoryLoadBalancer balancer;
    private HlsViewers viewers;
    private HlsStats stats;
    private HlsHandler handler;

    @BeforeEach
    void start() throws Exception {
        origin = new ScriptedOrigin();
        balancer = new MemoryLoadBalancer(BalancerConfig.from(Map.of("hls.sessions.max", "5")), clock);
        balancer.registry().register(new OriginServer("o1", "dev1", "127.0.0.1",
                Map.of(OriginProtocol.HTTP, List.of(OriginEndpoint.parse(Integer.toString(origin.port())))), Instant.EPOCH));
        viewers = new HlsViewers(lifecycle, Duration.ofSeconds(30), 100, clock);
        stats = new HlsStats();
        handler = new HlsHandler(balancer.placement(), balancer.registry(), balancer.hlsSessions(), viewers,
                new PlaylistFetcher(Duration.ofSeconds(2), Duration.ofSeconds(2), 4096), stats);
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onStart(SessionInfo session) {
            }

            @Override
            public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
                ended.add(session.id() + " " + reason);
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        origin.close();
    }

    private static HttpRequest get(String target, String... headers) {
        return request(HttpMethod.GET, target, headers);
    }

    private static HttpRequest request(HttpMethod method, String target, String... headers) {
        int q = target.indexOf('?');
        List<HttpHeader> fields = new ArrayList<>();
        fields.add(new HttpHeader("Host", "proxy.example:18080"));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            fields.add(new HttpHeader(headers[i], headers[i + 1]));
        }
        return new HttpRequest(method, method.name(), q < 0 ? target : target.substring(0, q),
                q < 0 ? null : target.substring(q + 1), true, true, fields, new InetSocketAddress("127.0.0.1", 40000));
    }

    private FakeExchange serve(HttpRequest r) {
        assertThat(handler.handles(r)).isTrue();
        FakeExchange ex = new FakeExchange(r);
        handler.handle(ex);
        return ex;
    }

    private static String body(HttpResponse r) {
        ByteBuffer b = r.body();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    private static String idIn(String text) {
        Matcher m = ID.matcher(text);
        assertThat(m.find()).as("a session id in %s", text).isTrue();
        return m.group(1);
    }

    @Test
    void newViewersPlaylistIsRewrittenUnderAFreshSessionWithoutOriginAddressesOrEtag() {
        origin.playlist("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://127.0.0.1:" + origin.port()
                + "/live/livestream.m3u8?hls_ctx=c1\n");
        FakeExchange ex = serve(get("/live/livestream.m3u8?token=t1", "Accept-Encoding", "gzip", "If-None-Match", "\"abc\""));

        assertThat(ex.response.statusCode()).isEqualTo(200);
        String body = body(ex.response);
        String id = idIn(body);
        assertThat(body).isEqualTo("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n/live/livestream.m3u8?hls_ctx=c1&spbhid=" + id + "\n");
        assertThat(ex.response.header("Content-Type")).isEqualTo("application/vnd.apple.mpegurl");
        assertThat(ex.response.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(ex.response.header("ETag")).isNull();
        assertThat(ex.response.header("Content-MD5")).isNull();
        assertThat(ex.response.header("Server")).isNull();
        assertThat(balancer.hlsSessions().touch(id)).map(HlsSession::streamKey).contains(StreamKey.of("proxy.example", "live", "livestream"));
        String sent = origin.requests().get(0);
        assertThat(sent).startsWith("GET /live/livestream.m3u8?token=t1 HTTP/1.1\r\n").contains("Host: proxy.example:18080")
                .doesNotContainIgnoringCase("accept-encoding").doesNotContainIgnoringCase("if-none-match");
        assertThat(viewers.live()).isEqualTo(1);
        assertThat(lifecycle.live()).singleElement().extracting(SessionInfo::protocol).isEqualTo(SessionProtocol.HLS);
    }

    @Test
    void newViewersMediaPlaylistIsAnsweredWithASingleVariantMasterCarryingTheSessionAndTheQuery() {
        origin.playlist("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nlivestream-1.ts\n");
        FakeExchange ex = serve(get("/live/livestream.m3u8?token=t1"));

        String body = body(ex.response);
        String id = idIn(body);
        assertThat(body).isEqualTo("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\n"
                + "/live/livestream.m3u8?token=t1&spbhid=" + id + "\n");
        assertThat(ex.response.header("Content-Type")).isEqualTo("application/vnd.apple.mpegurl");
        assertThat(origin.requests().get(0)).startsWith("GET /live/livestream.m3u8?token=t1 HTTP/1.1\r\n");

        FakeExchange media = serve(get("/live/livestream.m3u8?token=t1&spbhid=" + id));
        assertThat(body(media.response)).endsWith("\nlivestream-1.ts?spbhid=" + id + "\n");
        assertThat(stats.sessionsCreated()).isEqualTo(1);
    }

    @Test
    void playlistReloadKeepsTheSessionAndPassesLlHlsBlockingReloadParameters() {
        origin.playlist("#EXTM3U\nseg-1.m4s\n");
        String id = idIn(body(serve(get("/live/s.m3u8")).response));

        FakeExchange reload = serve(get("/live/s.m3u8?hls_ctx=c1&spbhid=" + id + "&_HLS_msn=273&_HLS_part=2&_HLS_skip=YES"));

        assertThat(body(reload.response)).isEqualTo("#EXTM3U\nseg-1.m4s?spbhid=" + id + "\n");
        assertThat(origin.requests().get(1)).startsWith("GET /live/s.m3u8?hls_ctx=c1&_HLS_msn=273&_HLS_part=2&_HLS_skip=YES HTTP/1.1\r\n");
        assertThat(balancer.hlsSessions().count()).isEqualTo(1);
        assertThat(viewers.live()).isEqualTo(1);
    }

    @Test
    void segmentWithTheSessionIdIsRelayedToTheSessionsOriginWithRangeAndWithoutTheId() {
        origin.playlist("#EXTM3U\nseg-1.ts\n");
        String id = idIn(body(serve(get("/live/s.m3u8")).response));

        FakeExchange seg = serve(get("/live/s-1.ts?hls_ctx=c1&spbhid=" + id, "Range", "bytes=0-99"));

        assertThat(seg.relay).isNotNull();
        assertThat(seg.relay.origin()).isEqualTo(origin.address());
        String head = StandardCharsets.ISO_8859_1.decode(seg.relay.requestHead()).toString();
        assertThat(head).startsWith("GET /live/s-1.ts?hls_ctx=c1 HTTP/1.1\r\n").contains("Range: bytes=0-99\r\n")
                .doesNotContain(id);
        seg.relay.listener().onEnd(dev.originproxy.http.internal.RelayOutcome.COMPLETED, 1234);
        assertThat(stats.mediaRelayed()).isEqualTo(1);
    }

    @Test
    void unknownExpiredOrMalformedSessionIdIsA404AndNeverReachesAnOrigin() {
        origin.playlist("#EXTM3U\nseg-1.ts\n");
        String id = idIn(body(serve(get("/live/s.m3u8")).response));
        int before = origin.requests().size();

        for (String target : List.of("/live/s-1.ts?spbhid=AAAAAAAAAAAAAAAAAAAAAA", "/live/s-1.ts?spbhid=../../x",
                "/live/s.m3u8?spbhid=" + "Q".repeat(22), "/live/init.mp4?spbhid=")) {
            FakeExchange ex = serve(get(target));
            assertThat(ex.failStatus).as(target).isEqualTo(404);
            assertThat(ex.failReason).isEqualTo("unknown HLS session");
        }
        clock.advance(Duration.ofSeconds(61));
        assertThat(serve(get("/live/s-1.ts?spbhid=" + id)).failStatus).isEqualTo(404);
        assertThat(origin.requests()).hasSize(before);
        assertThat(stats.unknownSessions()).isEqualTo(5);
    }

    @Test
    void originErrorStatusPassesWithoutTheOriginsBody() {
        origin.answer("HTTP/1.1 404 Not Found at 10.9.9.9\r\nContent-Length: 20\r\n\r\nno such 10.9.9.9 xx\n");
        FakeExchange ex = serve(get("/live/s.m3u8"));

        assertThat(ex.response.statusCode()).isEqualTo(404);
        assertThat(body(ex.response)).doesNotContain("10.9.9.9");
    }

    @Test
    void bodyThatIsNotAPlaylistIsA502AndCounted() {
        origin.answer("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n<html></html>");
        FakeExchange ex = serve(get("/live/s.m3u8"));

        assertThat(ex.response.statusCode()).isEqualTo(502);
        assertThat(stats.rewriteFailures(PlaylistRewriter.Failure.NOT_A_PLAYLIST)).isEqualTo(1);
    }

    @Test
    void chunkedPlaylistIsReadAndAnOversizedOneRefused() {
        origin.playlist("#EXTM3U\na.ts\n");
        String id = idIn(body(serve(get("/live/s.m3u8")).response));
        origin.answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n#EXTM3U\n\r\n5\r\na.ts\n\r\n0\r\n\r\n");
        assertThat(body(serve(get("/live/s.m3u8?spbhid=" + id)).response)).isEqualTo("#EXTM3U\na.ts?spbhid=" + id + "\n");

        origin.answer("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n#EXTM3U\n");
        FakeExchange big = serve(get("/live/s.m3u8"));
        assertThat(big.failStatus).isEqualTo(502);
        assertThat(big.failReason).isEqualTo("origin playlist too large");

        origin.answer("HTTP/1.1 200 OK\r\n\r\n#EXTM3U\n" + "x".repeat(5000));
        assertThat(serve(get("/live/s.m3u8")).failStatus).isEqualTo(502);
    }

    @Test
    void unreachableOriginIsA502() throws Exception {
        origin.close();
        FakeExchange ex = serve(get("/live/s.m3u8"));
        assertThat(ex.failStatus).isEqualTo(502);
    }

    @Test
    void newViewersBeyondTheSessionBoundGetA503() {
        origin.playlist("#EXTM3U\na.ts\n");
        for (int i = 0; i < 5; i++) {
            assertThat(serve(get("/live/s.m3u8")).response.statusCode()).isEqualTo(200);
        }
        FakeExchange sixth = serve(get("/live/s.m3u8"));

        assertThat(sixth.failStatus).isEqualTo(503);
        assertThat(stats.sessionLimitRefusals()).isEqualTo(1);
    }

    @Test
    void aRefusingListenerGetsA403() {
        lifecycle.addListener(new SessionListener() {
            @Override
            public void onStart(SessionInfo session) throws SessionRefusedException {
                throw new SessionRefusedException("not allowed");
            }

            @Override
            public void onEnd(SessionInfo session, EndReason reason, SessionCounters counters) {
            }
        });
        origin.playlist("#EXTM3U\na.ts\n");
        FakeExchange ex = serve(get("/live/s.m3u8"));

        assertThat(ex.failStatus).isEqualTo(403);
        assertThat(viewers.live()).isZero();
    }

    @Test
    void aPlaylistTheOriginDoesNotHaveLeavesNoSessionAndNoViewer() {
        origin.answer("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        for (int i = 0; i < 3; i++) {
            assertThat(serve(get("/live/not-yet.m3u8")).response.statusCode()).isEqualTo(404);
        }
        origin.answer("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnope");
        assertThat(serve(get("/live/not-yet.m3u8")).response.statusCode()).isEqualTo(502);

        assertThat(balancer.hlsSessions().count()).isZero();
        assertThat(stats.sessionsCreated()).isZero();
        assertThat(viewers.live()).isZero();
        assertThat(lifecycle.live()).isEmpty();
    }

    @Test
    void idleViewerEndsExactlyOnceWithItsRequestCount() {
        origin.playlist("#EXTM3U\na.ts\n");
        String id = idIn(body(serve(get("/live/s.m3u8")).response));
        serve(get("/live/a.ts?spbhid=" + id));
        clock.advance(Duration.ofSeconds(20));
        assertThat(viewers.sweep()).isZero();
        clock.advance(Duration.ofSeconds(11));

        assertThat(viewers.sweep()).isEqualTo(1);
        assertThat(viewers.sweep()).isZero();
        assertThat(ended).containsExactly("hls-1 IDLE_TIMEOUT");
        assertThat(lifecycle.live()).isEmpty();
    }

    @Test
    void otherMethodsAre405() {
        FakeExchange ex = new FakeExchange(request(HttpMethod.POST, "/live/s.m3u8"));
        handler.handle(ex);
        assertThat(ex.response.statusCode()).isEqualTo(405);
    }

    @Test
    void handlesPlaylistsAndAnythingCarryingASessionIdOnly() {
        assertThat(handler.handles(get("/live/s.m3u8"))).isTrue();
        assertThat(handler.handles(get("/live/s-1.ts?spbhid=x"))).isTrue();
        assertThat(handler.handles(get("/live/s.ts"))).isFalse();
        assertThat(handler.handles(get("/live/s.flv?x=spbhid"))).isFalse();
    }

    @Test
    void originDrippingThePlaylistIsCutAtTheResponseDeadlineWith504() {
        origin.playlist("#EXTM3U\n" + "#EXT-X-X\n".repeat(40)).drip(100);
        long start = System.nanoTime();
        FakeExchange ex = serve(get("/live/s.m3u8"));

        assertThat(ex.failStatus).isEqualTo(504);
        // 400+ bytes at 100 ms each would take 40 s; the fetch deadline is 2 s.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void viewersBeyondTheBoundAreRefusedAndCountedUntilOthersIdleOut() throws Exception {
        HlsViewers few = new HlsViewers(lifecycle, Duration.ofSeconds(30), 2, clock);
        StreamKey key = StreamKey.of(null, "live", "s");
        few.seen(balancer.hlsSessions().create(key, "o1"), null);
        HlsSession second = balancer.hlsSessions().create(key, "o1");
        few.seen(second, null);
        few.seen(second, null);
        HlsSession third = balancer.hlsSessions().create(key, "o1");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> few.seen(third, null))
                .isInstanceOf(HlsViewers.ViewerLimitException.class);
        assertThat(few.refusedAtLimit()).isEqualTo(1);
        assertThat(few.live()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(31));
        few.seen(third, null);
        assertThat(few.live()).isEqualTo(1);
        assertThat(few.ended()).isEqualTo(2);
    }

    /** Runs off-loop work inline and records the one answer. */
    private static final class FakeExchange implements HttpExchange {
        final HttpRequest request;
        HttpResponse response;
        int failStatus;
        String failReason;
        OriginRelay relay;

        FakeExchange(HttpRequest request) {
            this.request = request;
        }

        @Override
        public HttpRequest request() {
            return request;
        }

        @Override
        public void respond(HttpResponse r) {
            response = r;
        }

        @Override
        public void fail(int status, String reason) {
            failStatus = status;
            failReason = reason;
        }

        @Override
        public void relay(OriginRelay r) {
            relay = r;
        }

        @Override
        public <T> void offLoop(Callable<T> work, BiConsumer<T, Throwable> resume) {
            T result;
            try {
                result = work.call();
            } catch (Throwable t) {
                resume.accept(null, t);
                return;
            }
            resume.accept(result, null);
        }

        @Override
        public boolean isOpen() {
            return true;
        }
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
