package dev.originproxy.rtmp;

/**
 * Why an AMF read failed ({@link Amf0Reader}, {@link RtmpCommand}).
 *
 * <p>Immutable, thread-safe.
 */
public enum AmfFailure {
    /** A value, a string or a length runs past the end of the payload. */
    TRUNCATED,
    /** The value at the cursor is not of the type the caller asked for. */
    UNEXPECTED_TYPE,
    /**
     * A marker this reader does not decode: AMF0 reference, movie clip, record set, unsupported,
     * or an unknown marker; in AMF3, an XML or externalizable object.
     */
    UNSUPPORTED_TYPE,
    /** Objects or arrays nested deeper than the reader's bound. */
    TOO_DEEP,
    /** An object, array or string table larger than the reader's bound. */
    TOO_MANY_ENTRIES
}
