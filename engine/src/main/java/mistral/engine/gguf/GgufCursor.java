package mistral.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Reads little-endian GGUF header fields, checking every length against the end of the file. */
final class GgufCursor {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment seg;
    private final Path file;
    private long pos;

    GgufCursor(MemorySegment seg, Path file) {
        this.seg = seg;
        this.file = file;
    }

    long position() {
        return pos;
    }

    GgufException error(String problem) {
        return new GgufException(file, problem);
    }

    private void need(long bytes, String what) {
        if (bytes < 0 || pos + bytes > seg.byteSize() || pos + bytes < pos) {
            throw error("truncated: " + what + " needs " + bytes + " bytes at offset " + pos
                    + " but the file has " + seg.byteSize() + " bytes");
        }
    }

    byte u8(String what) {
        need(1, what);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    short u16(String what) {
        need(2, what);
        short v = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos);
        pos += 2;
        return v;
    }

    int u32(String what) {
        need(4, what);
        int v = seg.get(INT, pos);
        pos += 4;
        return v;
    }

    long u64(String what) {
        need(8, what);
        long v = seg.get(LONG, pos);
        pos += 8;
        return v;
    }

    /** A u64 used as a count or size: must be non-negative and fit in what is left of the file. */
    long count(String what, long elementBytes) {
        long n = u64(what);
        long left = seg.byteSize() - pos;
        if (n < 0 || (elementBytes > 0 && n > left / elementBytes)) {
            throw error("truncated or corrupt: " + what + ": " + Long.toUnsignedString(n) + " does not fit in the " + left + " bytes left");
        }
        return n;
    }

    String string(String what) {
        long len = count(what + " length", 1);
        byte[] b = new byte[(int) Math.min(len, Integer.MAX_VALUE)];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }

    void skip(long bytes, String what) {
        need(bytes, what);
        pos += bytes;
    }

    float f32(String what) {
        return Float.intBitsToFloat(u32(what));
    }

    double f64(String what) {
        return Double.longBitsToDouble(u64(what));
    }
}
