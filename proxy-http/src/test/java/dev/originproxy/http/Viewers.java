package dev.originproxy.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Many HTTP-FLV viewers in one test thread (a selector): each sends a GET and counts the bytes it
 * reads; a viewer whose connection ends is marked closed.
 */
final class Viewers implements AutoCloseable {
    private final Selector selector = Selector.open();
    private final List<SocketChannel> channels = new ArrayList<>();
    final AtomicLongArray bytes;
    final AtomicLongArray closed;
    private final Thread thread;
    private volatile boolean running = true;

    Viewers(InetSocketAddress proxy, String path, int count) throws IOException {
        bytes = new AtomicLongArray(count);
        closed = new AtomicLongArray(count);
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: viewer\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < count; i++) {
            SocketChannel ch = SocketChannel.open(proxy);
            ch.write(ByteBuffer.wrap(request));
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ, i);
            channels.add(ch);
        }
        thread = new Thread(this::loop, "viewers");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
        try {
            while (running) {
                selector.select(100);
                for (SelectionKey k : selector.selectedKeys()) {
                    int i = (Integer) k.attachment();
                    SocketChannel ch = (SocketChannel) k.channel();
                    buf.clear();
                    int n;
                    try {
                        n = ch.read(buf);
                    } catch (IOException e) {
                        n = -1;
                    }
                    if (n < 0) {
                        closed.set(i, 1);
                        k.cancel();
                    } else {
                        bytes.addAndGet(i, n);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    long[] snapshot() {
        long[] s = new long[bytes.length()];
        for (int i = 0; i < s.length; i++) {
            s[i] = bytes.get(i);
        }
        return s;
    }

    int closedCount() {
        int n = 0;
        for (int i = 0; i < closed.length(); i++) {
            n += (int) closed.get(i);
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SocketChannel ch : channels) {
            ch.close();
        }
        selector.close();
    }
}
