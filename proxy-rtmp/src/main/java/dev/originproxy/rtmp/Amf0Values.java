package dev.originproxy.rtmp;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.originproxy.rtmp.internal.Amf3Decoder;
import dev.originproxy.core.wire.Wire;

/**
 * The value walker behind {@link Amf0Reader#skipValue()} and {@link Amf0Reader#readValue()}: one
 * recursive descent over any AMF0 value (and AMF3 values after an avmplus marker), bounded by the
 * reader's depth and entry limits, either skipping or building plain Java values.
 *
 * <p>Not thread-safe: belongs to one reader.
 */
final class Amf0Values {
    private final Amf0Reader r;
    private Amf3Decoder amf3;

    Amf0Values(Amf0Reader reader) {
        this.r = reader;
    }

    /** Marks a failed walk (null is AMF null). */
    static final Object FAILED = new Object();

    /**
     * Skips ({@code build} false) or builds one value at the reader's cursor.
     *
     * @return the value, {@code null} when skipping, or {@link #FAILED} with the reader's failure set
     */
    Object walk(boolean build, int level) {
        int marker = r.peekMarker();
        if (marker < 0) {
            r.fail(AmfFailure.TRUNCATED);
            return FAILED;
        }
        switch (marker) {
            case Amf0Reader.NUMBER: {
                double d = r.readNumber();
                return r.failure != null ? FAILED : build ? Double.valueOf(d) : null;
            }
            case Amf0Reader.BOOLEAN: {
                boolean b = r.readBoolean();
                return r.failure != null ? FAILED : Boolean.valueOf(b);
            }
            case Amf0Reader.STRING:
            case Amf0Reader.LONG_STRING:
            case Amf0Reader.XML_DOCUMENT: {
                // An XML document has the layout of a long string.
                boolean ok = marker == Amf0Reader.XML_DOCUMENT ? skipLongBody() : r.skipString();
                return !ok ? FAILED : build ? r.utf8(r.stringOffset, r.stringLength) : null;
            }
            case Amf0Reader.NULL:
                r.position++;
                return null;
            case Amf0Reader.UNDEFINED:
                r.position++;
                return Amf0Reader.UNDEFINED_VALUE;
            case Amf0Reader.DATE: {
                if (!r.need(11)) {
                    return FAILED;
                }
                double ms = Wire.getDouble(r.buffer, r.position + 1);
                r.position += 11;
                if (!build) {
                    return null;
                }
                return Double.isFinite(ms) ? Instant.ofEpochMilli((long) ms) : Double.valueOf(ms);
            }
            case Amf0Reader.OBJECT:
            case Amf0Reader.ECMA_ARRAY:
            case Amf0Reader.TYPED_OBJECT: {
                if (level >= r.maxDepth) {
                    r.fail(AmfFailure.TOO_DEEP);
                    return FAILED;
                }
                int savedDepth = r.depth;
                r.depth = 0; // the nesting bound is enforced through level here
                if (!r.readObjectStart()) {
                    return FAILED;
                }
                Map<String, Object> map = build ? new LinkedHashMap<>() : null;
                int entries = 0;
                while (r.nextKey()) {
                    if (build && ++entries > r.maxEntries) {
                        r.fail(AmfFailure.TOO_MANY_ENTRIES);
                        return FAILED;
                    }
                    String k = build ? r.key() : null;
                    Object v = walk(build, level + 1);
                    if (v == FAILED) {
                        return FAILED;
                    }
                    if (build) {
                        map.put(k, v);
                    }
                }
                r.depth = savedDepth;
                return r.failure != null ? FAILED : map;
            }
            case Amf0Reader.STRICT_ARRAY: {
                if (level >= r.maxDepth) {
                    r.fail(AmfFailure.TOO_DEEP);
                    return FAILED;
                }
                if (!r.need(5)) {
                    return FAILED;
                }
                long count = Integer.toUnsignedLong(Wire.getInt(r.buffer, r.position + 1));
                r.position += 5;
                // Every value takes at least one byte: a count beyond the bytes left is a lie.
                if (count > r.end - r.position) {
                    r.fail(AmfFailure.TRUNCATED);
                    return FAILED;
                }
                if (build && count > r.maxEntries) {
                    r.fail(AmfFailure.TOO_MANY_ENTRIES);
                    return FAILED;
                }
                List<Object> list = build ? new ArrayList<>((int) count) : null;
                for (long i = 0; i < count; i++) {
                    Object v = walk(build, level + 1);
                    if (v == FAILED) {
                        return FAILED;
                    }
                    if (build) {
                        list.add(v);
                    }
                }
                return list;
            }
            case Amf0Reader.AVMPLUS_OBJECT: {
                r.position++;
                if (amf3 == null) {
                    amf3 = new Amf3Decoder(r.maxDepth, r.maxEntries);
                }
                Object v = amf3.decode(r.buffer, r.position, r.end, build);
                if (amf3.failure() != null) {
                    r.fail(amf3.failure());
                    return FAILED;
                }
                r.position = amf3.position();
                return v;
            }
            default:
                r.fail(AmfFailure.UNSUPPORTED_TYPE);
                return FAILED;
        }
    }

    private boolean skipLongBody() {
        if (!r.need(5)) {
            return false;
        }
        long n = Integer.toUnsignedLong(Wire.getInt(r.buffer, r.position + 1));
        if (n > r.end - r.position - 5) {
            return r.fail(AmfFailure.TRUNCATED);
        }
        r.stringOffset = r.position + 5;
        r.stringLength = (int) n;
        r.position += 5 + (int) n;
        return true;
    }

}
