package dev.originproxy.rtmp.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.originproxy.core.wire.Wire;
import dev.originproxy.rtmp.AmfFailure;

/**
 * Decodes (or skips) one AMF3 value (Adobe "AMF 3 Specification", 2013), as it follows an AMF0
 * {@code avmplus-object} marker in RTMP messages of type 17/15. Supported: undefined, null,
 * booleans, integer, double, string, XML document and XML (as strings), date, array (dense and
 * associative parts), anonymous and typed objects with sealed and dynamic members, byte array,
 * with the string, object and traits reference tables. Externalizable objects, vectors and
 * dictionaries fail with {@link AmfFailure#UNSUPPORTED_TYPE}: they cannot be skipped without
 * knowing the class.
 *
 * <p>The reference tables start empty at every {@link #decode} (one avmplus value); they and the
 * nesting are bounded. Not thread-safe.
 */
public final class Amf3Decoder {
    private static final int UNDEFINED = 0x00;
    private static final int NULL = 0x01;
    private static final int FALSE = 0x02;
    private static final int TRUE = 0x03;
    private static final int INTEGER = 0x04;
    private static final int DOUBLE = 0x05;
    private static final int STRING = 0x06;
    private static final int XML_DOC = 0x07;
    private static final int DATE = 0x08;
    private static final int ARRAY = 0x09;
    private static final int OBJECT = 0x0A;
    private static final int XML = 0x0B;
    private static final int BYTE_ARRAY = 0x0C;

    /** What {@link #decode} returns for AMF3 undefined when building values. */
    public static final Object UNDEFINED_VALUE = dev.originproxy.rtmp.Amf0Reader.UNDEFINED_VALUE;

    private final int maxDepth;
    private final int maxEntries;
    private ByteBuffer buffer;
    private int position;
    private int end;
    private AmfFailure failure;
    private boolean build;
    private final List<String> strings = new ArrayList<>();
    private int stringCount;
    private final List<Object> objects = new ArrayList<>();
    private int objectCount;
    private final List<Traits> traits = new ArrayList<>();

    /**
     * @param maxDepth deepest nesting accepted
     * @param maxEntries most entries in one array/object and in each reference table
     */
    public Amf3Decoder(int maxDepth, int maxEntries) {
        this.maxDepth = maxDepth;
        this.maxEntries = maxEntries;
    }

    /**
     * Decodes one AMF3 value at {@code from}.
     *
     * @param build {@code true} to build Java values, {@code false} to only skip
     * @return the value ({@code null} when skipping or for AMF null); check {@link #failure()}
     */
    public Object decode(ByteBuffer buffer, int from, int end, boolean build) {
        this.buffer = buffer;
        this.position = from;
        this.end = end;
        this.failure = null;
        this.build = build;
        strings.clear();
        stringCount = 0;
        objects.clear();
        objectCount = 0;
        traits.clear();
        return value(0);
    }

    /** Why the last decode failed, or {@code null}. */
    public AmfFailure failure() {
        return failure;
    }

    /** Index after the decoded value. */
    public int position() {
        return position;
    }

    private Object value(int level) {
        if (failure != null) {
            return null;
        }
        if (position >= end) {
            return fail(AmfFailure.TRUNCATED);
        }
        int marker = buffer.get(position++) & 0xFF;
        switch (marker) {
            case UNDEFINED:
                return build ? UNDEFINED_VALUE : null;
            case NULL:
                return null;
            case FALSE:
                return Boolean.FALSE;
            case TRUE:
                return Boolean.TRUE;
            case INTEGER: {
                int u = u29();
                // 29-bit two's complement.
                int v = (u << 3) >> 3;
                return build && failure == null ? Integer.valueOf(v) : null;
            }
            case DOUBLE: {
                if (end - position < 8) {
                    return fail(AmfFailure.TRUNCATED);
                }
                double d = Wire.getDouble(buffer, position);
                position += 8;
                return build ? Double.valueOf(d) : null;
            }
            case STRING:
                return string();
            case XML_DOC:
            case XML:
            case BYTE_ARRAY: {
                int u = u29();
                if (failure != null) {
                    return null;
                }
                if ((u & 1) == 0) {
                    return objectReference(u >>> 1);
                }
                int n = u >>> 1;
                if (n > end - position) {
                    return fail(AmfFailure.TRUNCATED);
                }
                Object v = null;
                if (build) {
                    byte[] bytes = new byte[n];
                    buffer.get(position, bytes, 0, n);
                    v = marker == BYTE_ARRAY ? bytes : new String(bytes, StandardCharsets.UTF_8);
                }
                position += n;
                return addObject(v);
            }
            case DATE: {
                int u = u29();
                if (failure != null) {
                    return null;
                }
                if ((u & 1) == 0) {
                    return objectReference(u >>> 1);
                }
                if (end - position < 8) {
                    return fail(AmfFailure.TRUNCATED);
                }
                double ms = Wire.getDouble(buffer, position);
                position += 8;
                return addObject(build && Double.isFinite(ms) ? Instant.ofEpochMilli((long) ms) : null);
            }
            case ARRAY:
                return array(level);
            case OBJECT:
                return object(level);
            default:
                return fail(AmfFailure.UNSUPPORTED_TYPE);
        }
    }

    private Object array(int level) {
        int u = u29();
        if (failure != null) {
            return null;
        }
        if ((u & 1) == 0) {
            return objectReference(u >>> 1);
        }
        if (level >= maxDepth) {
            return fail(AmfFailure.TOO_DEEP);
        }
        int dense = u >>> 1;
        if (dense > maxEntries) {
            return fail(AmfFailure.TOO_MANY_ENTRIES);
        }
        Map<String, Object> assoc = build ? new LinkedHashMap<>() : null;
        List<Object> list = build ? new ArrayList<>(dense) : null;
        int slot = objectCount;
        addObject(list);
        int entries = 0;
        while (true) {
            String key = string();
            if (failure != null) {
                return null;
            }
            if (lastStringEmpty) {
                break;
            }
            if (++entries > maxEntries) {
                return fail(AmfFailure.TOO_MANY_ENTRIES);
            }
            Object v = value(level + 1);
            if (build) {
                assoc.put(key, v);
            }
        }
        for (int i = 0; i < dense && failure == null; i++) {
            Object v = value(level + 1);
            if (build) {
                list.add(v);
            }
        }
        if (failure != null) {
            return null;
        }
        if (build && !assoc.isEmpty()) {
            // Both parts: a map with the dense values under their indexes.
            for (int i = 0; i < list.size(); i++) {
                assoc.put(Integer.toString(i), list.get(i));
            }
            objects.set(slot, assoc);
            return assoc;
        }
        return list;
    }

    private Object object(int level) {
        int u = u29();
        if (failure != null) {
            return null;
        }
        if ((u & 1) == 0) {
            return objectReference(u >>> 1);
        }
        if (level >= maxDepth) {
            return fail(AmfFailure.TOO_DEEP);
        }
        Traits t;
        if ((u & 2) == 0) {
            int index = u >>> 2;
            if (index >= traits.size()) {
                return fail(AmfFailure.UNSUPPORTED_TYPE);
            }
            t = traits.get(index);
        } else {
            if ((u & 4) != 0) {
                return fail(AmfFailure.UNSUPPORTED_TYPE); // externalizable: class-specific body
            }
            boolean dynamic = (u & 8) != 0;
            int sealed = u >>> 4;
            if (sealed > maxEntries || traits.size() >= maxEntries) {
                return fail(AmfFailure.TOO_MANY_ENTRIES);
            }
            string(); // class name
            String[] names = new String[sealed];
            for (int i = 0; i < sealed && failure == null; i++) {
                names[i] = string();
            }
            if (failure != null) {
                return null;
            }
            t = new Traits(dynamic, names);
            traits.add(t);
        }
        Map<String, Object> map = build ? new LinkedHashMap<>() : null;
        addObject(map);
        for (int i = 0; i < t.names.length && failure == null; i++) {
            Object v = value(level + 1);
            if (build) {
                map.put(t.names[i], v);
            }
        }
        if (t.dynamic) {
            int entries = 0;
            while (failure == null) {
                String key = string();
                if (failure != null || lastStringEmpty) {
                    break;
                }
                if (++entries > maxEntries) {
                    return fail(AmfFailure.TOO_MANY_ENTRIES);
                }
                Object v = value(level + 1);
                if (build) {
                    map.put(key, v);
                }
            }
        }
        return failure != null ? null : map;
    }

    private boolean lastStringEmpty;

    /** A UTF-8-vr string: inline (added to the table when not empty) or a reference. */
    private String string() {
        lastStringEmpty = false;
        int u = u29();
        if (failure != null) {
            return null;
        }
        if ((u & 1) == 0) {
            int index = u >>> 1;
            if (index >= stringCount) {
                fail(AmfFailure.UNSUPPORTED_TYPE);
                return null;
            }
            return build ? strings.get(index) : null;
        }
        int n = u >>> 1;
        if (n > end - position) {
            fail(AmfFailure.TRUNCATED);
            return null;
        }
        if (n == 0) {
            lastStringEmpty = true;
            return "";
        }
        String s = null;
        if (build) {
            byte[] bytes = new byte[n];
            buffer.get(position, bytes, 0, n);
            s = new String(bytes, StandardCharsets.UTF_8);
        }
        position += n;
        if (stringCount >= maxEntries) {
            fail(AmfFailure.TOO_MANY_ENTRIES);
            return null;
        }
        if (build) {
            strings.add(s);
        }
        stringCount++;
        return s;
    }

    private Object objectReference(int index) {
        if (index >= objectCount) {
            return fail(AmfFailure.UNSUPPORTED_TYPE);
        }
        return build ? objects.get(index) : null;
    }

    private Object addObject(Object v) {
        if (objectCount >= maxEntries) {
            return fail(AmfFailure.TOO_MANY_ENTRIES);
        }
        if (build) {
            objects.add(v);
        }
        objectCount++;
        return v;
    }

    /** Variable-length unsigned 29-bit integer (1-4 bytes). */
    private int u29() {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            if (position >= end) {
                fail(AmfFailure.TRUNCATED);
                return 0;
            }
            int b = buffer.get(position++) & 0xFF;
            if (i == 3) {
                return v << 8 | b;
            }
            v = v << 7 | (b & 0x7F);
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        return v;
    }

    private Object fail(AmfFailure reason) {
        if (failure == null) {
            failure = reason;
        }
        return null;
    }

    private record Traits(boolean dynamic, String[] names) {
    }
}
