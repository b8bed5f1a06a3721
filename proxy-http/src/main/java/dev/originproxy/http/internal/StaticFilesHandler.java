package dev.originproxy.http.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Serves a directory of static files ({@code PROXY_STATIC_FILES}: player pages, scripts) as the
 * SRS Go proxy does, for every GET/HEAD no other handler took. A directory answers its
 * {@code index.html}. Traversal is refused twice: the decoded path may hold no {@code .}/{@code ..}
 * segment, encoded slash or control byte (400, {@link RequestPaths}), and the file's real path
 * (symbolic links resolved) must stay inside the directory's real path (404 otherwise, saying
 * nothing of what exists outside). Content types by extension; unknown ones are
 * {@code application/octet-stream} with {@code X-Content-Type-Options: nosniff}.
 *
 * <p>Files are read off the event loop, whole, up to a bound (larger ones: 404 would lie, so
 * 500 with a reason). Thread-safe; stateless apart from the root.
 */
public final class StaticFilesHandler implements HttpHandler {
    /** The largest file served. */
    public static final long MAX_FILE_BYTES = 32L * 1024 * 1024;

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("webp", "image/webp"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("m3u8", "application/vnd.apple.mpegurl"),
            Map.entry("ts", "video/mp2t"),
            Map.entry("flv", "video/x-flv"),
            Map.entry("mp4", "video/mp4"));

    private final Path root;

    /**
     * @param root the directory served; must exist
     * @throws IOException when it does not exist or is not a directory
     */
    public StaticFilesHandler(Path root) throws IOException {
        Path real = root.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new IOException(root + " is not a directory");
        }
        this.root = real;
    }

    @Override
    public boolean handles(HttpRequest request) {
        return true;
    }

    @Override
    public void handle(HttpExchange exchange) {
        String decoded;
        try {
            decoded = RequestPaths.decode(exchange.request().path());
        } catch (RequestPaths.BadPathException e) {
            exchange.fail(400, e.getMessage());
            return;
        }
        exchange.offLoop(() -> read(decoded), (response, failure) -> {
            if (failure != null) {
                if (exchange.isOpen()) {
                    exchange.fail(failure instanceof NoSuchFileException ? 404 : 500,
                            failure instanceof NoSuchFileException ? "not found" : "cannot read file");
                }
                return;
            }
            exchange.respond(response);
        });
    }

    /** Reads the file a decoded path names; blocking. */
    HttpResponse read(String decodedPath) throws IOException {
        Path file = root.resolve(decodedPath.substring(1)).normalize();
        if (!file.startsWith(root) || !Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(file)) {
            throw new NoSuchFileException(decodedPath);
        }
        Path real = file.toRealPath();
        if (Files.isDirectory(real)) {
            real = real.resolve("index.html").toRealPath();
        }
        if (!real.startsWith(root) || !Files.isRegularFile(real)) {
            throw new NoSuchFileException(decodedPath);
        }
        try (SeekableByteChannel ch = Files.newByteChannel(real)) {
            long size = ch.size();
            if (size > MAX_FILE_BYTES) {
                throw new IOException("file larger than " + MAX_FILE_BYTES + " bytes");
            }
            ByteBuffer content = ByteBuffer.allocate((int) size);
            while (content.hasRemaining() && ch.read(content) >= 0) {
                // read until full or end of file
            }
            content.flip();
            return HttpResponse.status(200).body(content, contentType(real.getFileName().toString()))
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Cache-Control", "no-cache");
        }
    }

    static String contentType(String fileName) {
        int dot = fileName.lastIndexOf('.');
        String ext = dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }
}
