package dev.originproxy.core.tcp;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One worker's pool of equally sized direct buffers: queues and input leftovers borrow them and
 * give them back, so the steady state allocates nothing. At most {@code maxFree} free buffers are
 * kept; beyond that a returned buffer is left to the garbage collector (a burst does not pin its
 * peak memory forever). Worker-thread only.
 */
final class BufferPool {
    private final int bufferSize;
    private final int maxFree;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private int inUse;

    BufferPool(int bufferSize, int maxFree) {
        this.bufferSize = bufferSize;
        this.maxFree = maxFree;
    }

    int bufferSize() {
        return bufferSize;
    }

    /** A cleared buffer of {@link #bufferSize()} bytes. */
    ByteBuffer acquire() {
        ByteBuffer b = free.pollFirst();
        if (b == null) {
            b = ByteBuffer.allocateDirect(bufferSize);
        }
        inUse++;
        b.clear();
        return b;
    }

    void release(ByteBuffer b) {
        inUse--;
        if (free.size() < maxFree) {
            free.addFirst(b);
        }
    }

    /** Buffers lent out plus buffers kept free. */
    int held() {
        return inUse + free.size();
    }

    int inUse() {
        return inUse;
    }
}
