package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q4_K regrouped like {@link Q4_0X4} ({@link TensorType#Q4_K_X4}): every 4 sub-blocks of 32
 * weights (half a super-block) become 64 bytes of nibbles, byte 4i + b holding weights i (low
 * nibble) and i + 16 (high) of sub-block b, then the 4 sub-blocks' scales d * scale_j and the 4
 * mins dmin * min_j as float32 (96 bytes per 128 weights; the file has 72). Weight = scale * q -
 * min, the same floats ggml's dequantization computes, so the kernels get Q4_0_X4's one-shift,
 * one-lookup unpacking and no 6-bit scale unpacking per token.
 */
public final class Q4_KX4 {
    public static final int GROUP = 128;
    public static final int GROUP_BYTES = 96;
    public static final int SCALES = 64;
    public static final int MINS = 80;

    private Q4_KX4() {
    }

    /** Rewrites {@code rows} rows of Q4_K from src into the regrouped layout in dst. */
    public static void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        long srcRow = TensorType.Q4_K.bytesFor(cols), dstRow = TensorType.Q4_K_X4.bytesFor(cols);
        HeapRows.rewrite(src, srcRow, dst, dstRow, firstRow, rows, (in, out) -> {
            for (int sb = 0; sb < cols / KQuants.QK; sb++) {
                for (int g = 0; g < 2; g++) {
                    writeGroup(in, TensorType.Q4_K.blockBytes * sb, Q4_K_NIBBLES, g, out, GROUP_BYTES * (2 * sb + g), SCALES, MINS);
                }
            }
        });
    }

    /** Where the 4-bit quants start in a Q4_K and in a Q5_K super-block (after d, dmin, the scales, and Q5_K's qh). */
    static final int Q4_K_NIBBLES = 16, Q5_K_NIBBLES = 48;

    /**
     * Group g (sub-blocks 4g..4g+3) of the Q4_K/Q5_K super-block at in[blk], its 4-bit quants at
     * in[blk + nibbles], written at out[o]: the quants interleaved as described above, then the
     * sub-blocks' scales and mins as floats at o + scales and o + mins. Shared with {@link Q5_KX4},
     * which adds the fifth bits.
     */
    static void writeGroup(byte[] in, int blk, int nibbles, int g, byte[] out, int o, int scales, int mins) {
        MemorySegment header = MemorySegment.ofArray(in), floats = MemorySegment.ofArray(out);
        float d = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk));
        float dmin = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk + 2));
        for (int b = 0; b < 4; b++) {
            int j = 4 * g + b;
            interleave(in, blk + nibbles + 32 * (j / 2), 4 * (j % 2), out, o + b);
            floats.set(DequantLayouts.FLOAT, o + scales + 4L * b, d * KQuants.scaleOrMin(header, blk + 4, j, 0));
            floats.set(DequantLayouts.FLOAT, o + mins + 4L * b, dmin * KQuants.scaleOrMin(header, blk + 4, j, 1));
        }
    }

    /**
     * Sub-block j's 32 quants (nibble {@code shift / 4} of the 32 bytes at in[qs]: weights 0..31,
     * as {@link KQuants#q4K} reads them) into bytes out[o + 4i], weight i low and weight i + 16 high.
     */
    private static void interleave(byte[] in, int qs, int shift, byte[] out, int o) {
        for (int i = 0; i < 16; i++) {
            int lo = in[qs + i] >> shift & 0x0F, hi = in[qs + i + 16] >> shift & 0x0F;
            out[o + 4 * i] = (byte) (lo | hi << 4);
        }
    }

    /** Reference dequantization of one regrouped row: the same floats as {@link KQuants#dequantizeQ4K}. */
    static void dequantize(MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        for (int g = 0; g < cols / GROUP; g++) {
            long group = offset + (long) GROUP_BYTES * g;
            for (int b = 0; b < 4; b++) {
                float scale = w.get(DequantLayouts.FLOAT, group + SCALES + 4L * b), min = w.get(DequantLayouts.FLOAT, group + MINS + 4L * b);
                int o = dstOff + GROUP * g + 32 * b;
                for (int i = 0; i < 16; i++) {
                    int q = w.get(ValueLayout.JAVA_BYTE, group + 4L * i + b) & 0xFF;
                    dst[o + i] = scale * (q & 0x0F) - min;
                    dst[o + i + 16] = scale * (q >>> 4) - min;
                }
            }
        }
    }
}
