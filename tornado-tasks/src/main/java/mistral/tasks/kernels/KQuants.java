package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's K-quant super-blocks (256 weights), dequantized in ggml's order of float operations so
 * the weights are bit-identical to llama.cpp's, and quantized by plain min/max rules (for synth;
 * any valid block is a valid weight, so the rules only need to be reasonable).
 *
 * <p>Q4_K (144 bytes): f16 d, f16 dmin, 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32,
 * 128 bytes of nibbles; weight = d * scale_j * q - dmin * min_j. Bytes 32c..32c+31 of the nibbles
 * hold sub-block 2c (low nibbles) and 2c+1 (high nibbles).
 *
 * <p>Q5_K (176 bytes): as Q4_K with 32 bytes of fifth bits between the scales and the nibbles: bit
 * 2c of qh[l] is the fifth bit of weight l of sub-block 2c, bit 2c + 1 that of sub-block 2c + 1.
 *
 * <p>Q6_K (210 bytes): 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 int8 scales (one per 16
 * weights), f16 d; weight = d * scale_j * (q - 32).
 */
public final class KQuants {
    public static final int QK = 256;
    private static final ValueLayout.OfShort SHORT = DequantLayouts.SHORT;

    private KQuants() {
    }

    private static int u8(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    /** Scale (index 0) and min (index 1) of Q4_K sub-block j from the 12 packed bytes at s (ggml's get_scale_min_k4). */
    public static int scaleOrMin(MemorySegment w, long s, int j, int which) {
        if (j < 4) return u8(w, s + j + 4L * which) & 63;
        return which == 0 ? (u8(w, s + j + 4) & 0xF) | ((u8(w, s + j - 4) >> 6) << 4)
                          : (u8(w, s + j + 4) >> 4) | ((u8(w, s + j) >> 6) << 4);
    }

    /** q (0..15) of weight i (0..255) of the Q4_K super-block at byte b: sub-block i / 32 is a nibble of bytes 32 (j / 2).. */
    public static int q4K(MemorySegment w, long b, int i) {
        int j = i / 32, l = i % 32;
        return (u8(w, b + 16 + 32L * (j / 2) + l) >> (4 * (j % 2))) & 0xF;
    }

    /** q (0..31) of weight i of the Q5_K super-block at byte b: Q4_K's nibble (at byte 48..) plus bit j of qh[l]. */
    public static int q5K(MemorySegment w, long b, int i) {
        int j = i / 32, l = i % 32;
        return ((u8(w, b + 48 + 32L * (j / 2) + l) >> (4 * (j % 2))) & 0xF) | (((u8(w, b + 16 + l) >> j) & 1) << 4);
    }

    /** q - 32 of weight i of the Q6_K super-block at byte b: low 4 bits from ql, high 2 from qh (see the class comment). */
    public static int q6K(MemorySegment w, long b, int i) {
        int half = i / 128, l = i % 32, group = (i % 128) / 32;
        int low = (u8(w, b + 64L * half + 32 * (group & 1) + l) >> (4 * (group >> 1))) & 0xF;
        int high = (u8(w, b + 128 + 32L * half + l) >> (2 * group)) & 3;
        return (low | (high << 4)) - 32;
    }

    /** One Q4_K super-block at byte b into dst[o..o+256): (d * scale_j) * q - dmin * min_j, ggml's operations. */
    public static void dequantizeQ4K(MemorySegment w, long b, float[] dst, int o) {
        float d = Float.float16ToFloat(w.get(SHORT, b)), dmin = Float.float16ToFloat(w.get(SHORT, b + 2));
        for (int j = 0; j < 8; j++) {
            float step = d * scaleOrMin(w, b + 4, j, 0), offset = dmin * scaleOrMin(w, b + 4, j, 1);
            for (int i = 32 * j; i < 32 * j + 32; i++) dst[o + i] = step * q4K(w, b, i) - offset;
        }
    }

    /** One Q5_K super-block at byte b into dst[o..o+256), as Q4_K with 5-bit q. */
    public static void dequantizeQ5K(MemorySegment w, long b, float[] dst, int o) {
        float d = Float.float16ToFloat(w.get(SHORT, b)), dmin = Float.float16ToFloat(w.get(SHORT, b + 2));
        for (int j = 0; j < 8; j++) {
            float step = d * scaleOrMin(w, b + 4, j, 0), offset = dmin * scaleOrMin(w, b + 4, j, 1);
            for (int i = 32 * j; i < 32 * j + 32; i++) dst[o + i] = step * q5K(w, b, i) - offset;
        }
    }

    /** One Q6_K super-block at byte b into dst[o..o+256): d * scale[i / 16] * (q - 32), ggml's operations. */
    public static void dequantizeQ6K(MemorySegment w, long b, float[] dst, int o) {
        float d = Float.float16ToFloat(w.get(SHORT, b + 208));
        for (int i = 0; i < QK; i++) dst[o + i] = d * w.get(ValueLayout.JAVA_BYTE, b + 192 + i / 16) * q6K(w, b, i);
    }

    /** The 8 sub-blocks' steps d * sc[j] and offsets dmin * m[j] of a Q4_K or Q5_K super-block. */
    private record SubBlockScales(float d, float dmin, int[] sc, int[] m) {
        float step(int j) {
            return d * sc[j];
        }

        float offset(int j) {
            return dmin * m[j];
        }
    }

    /**
     * Per sub-block of src[s..s+256) an unsigned range [min, max] in {@code levels - 1} steps; the
     * 6-bit scales and mins relative to d and dmin, written with d and dmin as the super-block's
     * first 16 bytes at b (Q4_K's and Q5_K's header).
     */
    private static SubBlockScales writeScales(float[] src, int s, int levels, MemorySegment dst, long b) {
        float[] scale = new float[8], min = new float[8];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float lo = 0, hi = 0;
            for (int l = 0; l < 32; l++) {
                lo = Math.min(lo, src[s + 32 * j + l]);
                hi = Math.max(hi, src[s + 32 * j + l]);
            }
            scale[j] = (hi - lo) / (levels - 1);
            min[j] = -lo;
            maxScale = Math.max(maxScale, scale[j]);
            maxMin = Math.max(maxMin, min[j]);
        }
        short dh = Float.floatToFloat16(maxScale / 63), dminh = Float.floatToFloat16(maxMin / 63);
        float d = Float.float16ToFloat(dh), dmin = Float.float16ToFloat(dminh);
        int[] sc = new int[8], m = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = d > 0 ? Math.min(63, Math.round(scale[j] / d)) : 0;
            m[j] = dmin > 0 ? Math.min(63, Math.round(min[j] / dmin)) : 0;
        }
        dst.set(SHORT, b, dh);
        dst.set(SHORT, b + 2, dminh);
        for (int j = 0; j < 4; j++) {
            put(dst, b + 4 + j, (sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
            put(dst, b + 8 + j, (m[j] & 63) | ((m[j + 4] >> 4) << 6));
            put(dst, b + 12 + j, (sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
        }
        return new SubBlockScales(d, dmin, sc, m);
    }

    /** src[s..s+256) as one Q4_K super-block at byte b: per sub-block an unsigned range [min, max] in 15 steps. */
    public static void quantizeQ4K(float[] src, int s, MemorySegment dst, long b) {
        SubBlockScales k = writeScales(src, s, 16, dst, b);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int lo = level(src[s + 64 * c + l], k.step(2 * c), k.offset(2 * c), 15);
                int hi = level(src[s + 64 * c + 32 + l], k.step(2 * c + 1), k.offset(2 * c + 1), 15);
                put(dst, b + 16 + 32L * c + l, lo | (hi << 4));
            }
        }
    }

    /** src[s..s+256) as one Q5_K super-block at byte b: Q4_K's rule with 31 steps. */
    public static void quantizeQ5K(float[] src, int s, MemorySegment dst, long b) {
        SubBlockScales k = writeScales(src, s, 32, dst, b);
        int[] fifths = new int[32];
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int lo = level(src[s + 64 * c + l], k.step(2 * c), k.offset(2 * c), 31);
                int hi = level(src[s + 64 * c + 32 + l], k.step(2 * c + 1), k.offset(2 * c + 1), 31);
                put(dst, b + 48 + 32L * c + l, (lo & 0xF) | ((hi & 0xF) << 4));
                fifths[l] |= ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1));
            }
        }
        for (int l = 0; l < 32; l++) put(dst, b + 16 + l, fifths[l]);
    }

    /** x as a level 0..top of the range starting at -offset in steps of step. */
    private static int level(float x, float step, float offset, int top) {
        return step > 0 ? Math.clamp(Math.round((x + offset) / step), 0, top) : 0;
    }


    /** src[s..s+256) as one Q6_K super-block at byte b: per 16 weights a signed scale, q in [-32, 31]. */
    public static void quantizeQ6K(float[] src, int s, MemorySegment dst, long b) {
        float[] scale = new float[16];
        float maxScale = 0;
        for (int j = 0; j < 16; j++) {
            float amax = 0;
            for (int l = 0; l < 16; l++) amax = Math.max(amax, Math.abs(src[s + 16 * j + l]));
            scale[j] = amax / 31;
            maxScale = Math.max(maxScale, scale[j]);
        }
        short dh = Float.floatToFloat16(maxScale / 127);
        float d = Float.float16ToFloat(dh);
        int[] sc = new int[16];
        for (int j = 0; j < 16; j++) sc[j] = d > 0 ? Math.min(127, Math.round(scale[j] / d)) : 0;
        int[] q = new int[256];
        for (int i = 0; i < 256; i++) {
            float step = d * sc[i / 16];
            q[i] = step > 0 ? Math.clamp(Math.round(src[s + i] / step), -32, 31) + 32 : 32;
        }
        for (int half = 0; half < 2; half++) {
            int y = 128 * half;
            for (int l = 0; l < 32; l++) {
                int q1 = q[y + l], q2 = q[y + l + 32], q3 = q[y + l + 64], q4 = q[y + l + 96];
                put(dst, b + 64L * half + l, (q1 & 0xF) | ((q3 & 0xF) << 4));
                put(dst, b + 64L * half + l + 32, (q2 & 0xF) | ((q4 & 0xF) << 4));
                put(dst, b + 128 + 32L * half + l, (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
        for (int j = 0; j < 16; j++) dst.set(ValueLayout.JAVA_BYTE, b + 192 + j, (byte) sc[j]);
        dst.set(SHORT, b + 208, dh);
    }

    private static void put(MemorySegment dst, long at, int value) {
        dst.set(ValueLayout.JAVA_BYTE, at, (byte) value);
    }
}
