package dev.originproxy.core.loop;

/**
 * A snapshot of an {@link OffLoop}'s counters (read racily; each value is exact on its own).
 *
 * @param submitted tasks accepted into the queue
 * @param rejected tasks refused because the queue was full or the helper closed; their
 *     completion received a {@link java.util.concurrent.RejectedExecutionException}
 * @param completed tasks whose completion ran on their loop (with a value or a failure)
 * @param failed tasks whose work threw (counted in {@code completed} too when delivered)
 * @param cancelled tasks cancelled before their completion ran; their result was discarded
 * @param loopGone tasks whose loop closed or died before delivery
 * @param queued tasks waiting for a helper thread now
 * @param running tasks whose work runs now
 */
public record OffLoopStats(long submitted, long rejected, long completed, long failed, long cancelled,
                           long loopGone, int queued, int running) {
}
