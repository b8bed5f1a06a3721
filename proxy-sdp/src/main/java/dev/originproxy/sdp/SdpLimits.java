package dev.originproxy.sdp;

/**
 * Bounds applied to every SDP or trickle fragment before it is read or rewritten, so that a
 * hostile body costs at most linear time in a bounded size.
 *
 * <p>Immutable and thread-safe.
 *
 * @param maxLength     the largest accepted body, in chars for {@code String} input and in bytes
 *                      for {@link SessionDescription#fromUtf8(byte[], SdpLimits)}; larger bodies
 *                      fail with {@link SdpException.Reason#TOO_LARGE}
 * @param maxLines      the most lines accepted ({@link SdpException.Reason#TOO_MANY_LINES})
 * @param maxLineLength the longest accepted line, without its line ending
 *                      ({@link SdpException.Reason#LINE_TOO_LONG})
 */
public record SdpLimits(int maxLength, int maxLines, int maxLineLength) {

    /** 64 KiB, 2,000 lines, 4,096 chars per line: roomy for any real offer or answer. */
    public static final SdpLimits DEFAULT = new SdpLimits(64 * 1024, 2_000, 4_096);

    /** Validates that every bound is positive. */
    public SdpLimits {
        if (maxLength <= 0 || maxLines <= 0 || maxLineLength <= 0) {
            throw new IllegalArgumentException("SDP limits must be positive: " + maxLength + ", "
                    + maxLines + ", " + maxLineLength);
        }
    }

    /** @return these limits with another {@link #maxLength()} */
    public SdpLimits withMaxLength(int value) {
        return new SdpLimits(value, maxLines, maxLineLength);
    }

    /** @return these limits with another {@link #maxLines()} */
    public SdpLimits withMaxLines(int value) {
        return new SdpLimits(maxLength, value, maxLineLength);
    }

    /** @return these limits with another {@link #maxLineLength()} */
    public SdpLimits withMaxLineLength(int value) {
        return new SdpLimits(maxLength, maxLines, value);
    }
}
