package dev.originproxy.bench;

import dev.originproxy.http.internal.HttpRequest;
import dev.originproxy.http.internal.HttpRequestHead;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP front's request-head parse ({@link HttpRequestHead#wrap}): a typical HTTP-FLV GET as
 * ffmpeg sends it and one as a browser player (hls.js/flv.js) sends it, in a direct buffer as the
 * engine hands them over. {@code parse*} is what runs per request on the event loop before a
 * route is chosen (validation of every byte, smuggling rules, framing fields): 0 B/op expected.
 * {@code parseAndCopy} adds the one {@link HttpRequest} handlers get (Strings per field).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HttpHeadBenchmark {
    private static final String FFMPEG = "GET /live/livestream.flv?token=3f2a9c HTTP/1.1\r\n"
            + "User-Agent: Lavf/59.27.100\r\nAccept: */*\r\nRange: bytes=0-\r\nConnection: close\r\n"
            + "Host: 127.0.0.1:18080\r\nIcy-MetaData: 1\r\n\r\n";
    private static final String BROWSER = "GET /live/livestream.flv HTTP/1.1\r\nHost: proxy.example.com:18080\r\n"
            + "Connection: keep-alive\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/131.0.0.0 Safari/537.36\r\nAccept: */*\r\nOrigin: https://player.example.com\r\n"
            + "Sec-Fetch-Site: same-site\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\n"
            + "Referer: https://player.example.com/\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-US,en;q=0.9\r\n\r\n";
    private static final byte[] RANGE = "range".getBytes(StandardCharsets.US_ASCII);

    private final HttpRequestHead head = new HttpRequestHead();
    private final InetSocketAddress client = new InetSocketAddress("127.0.0.1", 40000);
    private ByteBuffer ffmpeg;
    private ByteBuffer browser;

    @Setup
    public void setUp() {
        ffmpeg = direct(FFMPEG);
        browser = direct(BROWSER);
        if (head.wrap(browser, 0, browser.limit()) != HttpRequestHead.Outcome.COMPLETE
                || head.wrap(ffmpeg, 0, ffmpeg.limit()) != HttpRequestHead.Outcome.COMPLETE) {
            throw new IllegalStateException("fixtures do not parse: " + head.error());
        }
    }

    private static ByteBuffer direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocateDirect(b.length);
        buf.put(b).flip();
        return buf;
    }

    @Benchmark
    public int parseFfmpegGet() {
        head.wrap(ffmpeg, 0, ffmpeg.limit());
        return head.headLength() + head.indexOf(RANGE);
    }

    @Benchmark
    public int parseBrowserGet() {
        head.wrap(browser, 0, browser.limit());
        return head.headLength() + head.pathLength();
    }

    @Benchmark
    public HttpRequest parseAndCopyBrowserGet() {
        head.wrap(browser, 0, browser.limit());
        return HttpRequest.of(head, client);
    }
}
