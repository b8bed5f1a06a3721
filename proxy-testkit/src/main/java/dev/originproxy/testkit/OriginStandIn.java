package dev.originproxy.testkit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * A running {@code e2e-peers/origin.mjs}: an SRS-like origin whose WHIP/WHEP/legacy endpoints
 * answer with real werift peer connections on 127.0.0.1, and whose {@code GET /stats} reports
 * per-session counters.
 *
 * <pre>{@code
 * try (OriginStandIn origin = OriginStandIn.start(NodePeers.locate())) {
 *     String whip = origin.whipUrl("live", "s1");
 *     ...
 *     origin.awaitSession(s -> s.stream().equals("s1") && s.rtpReceived() >= 50, Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class OriginStandIn implements AutoCloseable {

    private static final JsonFactory FACTORY = new JsonFactory();

    private final ExternalProcess process;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private OriginStandIn(ExternalProcess process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
    }

    /**
     * Starts an origin on a random HTTP port with a 10-minute lifetime and waits until it is
     * ready.
     *
     * @param peers     the peers
     * @param extraArgs more arguments, e.g. {@code "--register", url}
     * @return the ready origin
     */
    public static OriginStandIn start(NodePeers peers, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--http-port", "0", "--timeout-ms", "600000"));
        args.addAll(Arrays.asList(extraArgs));
        ExternalProcess p = peers.start("origin", "origin.mjs", args.toArray(String[]::new));
        try {
            JsonLines.Event ready = JsonLines.await(p, "ready", Duration.ofSeconds(15));
            return new OriginStandIn(p, ready.intValue("port"));
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
    }

    /** @return the origin's HTTP API port on 127.0.0.1 */
    public int httpPort() {
        return httpPort;
    }

    /** @return {@code http://127.0.0.1:<port>} */
    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /**
     * @param app    the application name
     * @param stream the stream name
     * @return the origin's WHIP URL for that stream
     */
    public String whipUrl(String app, String stream) {
        return baseUrl() + "/rtc/v1/whip/?app=" + enc(app) + "&stream=" + enc(stream);
    }

    /**
     * @param app    the application name
     * @param stream the stream name
     * @return the origin's WHEP URL for that stream
     */
    public String whepUrl(String app, String stream) {
        return baseUrl() + "/rtc/v1/whep/?app=" + enc(app) + "&stream=" + enc(stream);
    }

    /** @return the underlying process (for its log) */
    public ExternalProcess process() {
        return process;
    }

    /**
     * @return the sessions reported by {@code GET /stats}, oldest first
     */
    public List<Session> sessions() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/stats"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET /stats -> " + r.statusCode() + "\n" + process.logBlock());
            }
            return parseSessions(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + baseUrl() + "/stats failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Polls {@code /stats} until a session satisfies {@code condition}.
     *
     * @param condition what the session must satisfy
     * @param deadline  how long to poll at most
     * @return the first session that satisfied it
     * @throws AssertionError listing the sessions and the origin's log when none does in time
     */
    public Session awaitSession(Predicate<Session> condition, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        List<Session> last;
        while (true) {
            last = sessions();
            for (Session s : last) {
                if (condition.test(s)) {
                    return s;
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no origin session matched within " + deadline + "; sessions: " + last
                        + "\n" + process.logBlock());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    static List<Session> parseSessions(String json) throws IOException {
        List<Session> out = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not an object: " + json);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (!"sessions".equals(name) || v != JsonToken.START_ARRAY) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    String id = null;
                    String app = null;
                    String stream = null;
                    String kind = null;
                    String ice = null;
                    long rtp = 0;
                    long rtpSent = 0;
                    long echoed = 0;
                    boolean closed = false;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "id" -> id = p.getValueAsString();
                            case "app" -> app = p.getValueAsString();
                            case "stream" -> stream = p.getValueAsString();
                            case "kind" -> kind = p.getValueAsString();
                            case "iceState" -> ice = p.getValueAsString();
                            case "rtpReceived" -> rtp = p.getValueAsLong();
                            case "rtpSent" -> rtpSent = p.getValueAsLong();
                            case "dcEchoed" -> echoed = p.getValueAsLong();
                            case "closed" -> closed = p.getValueAsBoolean();
                            default -> p.skipChildren();
                        }
                    }
                    out.add(new Session(id, app, stream, kind, ice, rtp, rtpSent, echoed, closed));
                }
            }
        }
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Stops the origin (SIGTERM; its peer connections close). */
    @Override
    public void close() {
        process.close();
    }

    /**
     * One origin session as reported by {@code /stats}.
     *
     * @param id          the session id (also in the WHIP/WHEP Location)
     * @param app         the application
     * @param stream      the stream
     * @param kind        {@code "whip"} (origin receives) or {@code "whep"} (origin sends)
     * @param iceState    werift's iceConnectionState
     * @param rtpReceived video RTP packets the origin received
     * @param rtpSent     synthetic RTP packets the origin sent (WHEP)
     * @param dcEchoed    data channel messages echoed back
     * @param closed      whether the session was DELETEd
     */
    public record Session(String id, String app, String stream, String kind, String iceState, long rtpReceived,
                          long rtpSent, long dcEchoed, boolean closed) {
    }
}
