package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q5_K regrouped for SIMD ({@link TensorType#Q5_K_X4}): per 4 sub-blocks (128 weights), the low
 * 4 bits in 64 interleaved bytes (byte 4i + b: weights i (low nibble) and i + 16 (high) of sub-block
 * b), then 16 bytes of fifth bits (bit p of byte i:
 * the weight whose low bits are nibble p of lane i, i.e. sub-block p / 2, weight i + 16 (p % 2)),
 * then the 4 scales d * scale_j and the 4 mins dmin * min_j as float32 (112 bytes; the file has 88).
 * Weight = scale * q - min, the floats ggml computes.
 */
public final class Q5_KX4 {
    public static final int GROUP = 128;
    public static final int GROUP_BYTES = 112;
    public static final int FIFTH = 64;
    public static final int SCALES = 80;
    public static final int MINS = 96;

    private Q5_KX4() {
    }

    /** Rewrites {@code rows} rows of Q5_K from src into the regrouped layout in dst. */
    public static void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        long srcRow = TensorType.Q5_K.bytesFor(cols), dstRow = TensorType.Q5_K_X4.bytesFor(cols);
        HeapRows.rewrite(src, srcRow, dst, dstRow, firstRow, rows, (in8, out8) -> {
            MemorySegment row = MemorySegment.ofArray(in8), rewritten = MemorySegment.ofArray(out8);
            for (int sb = 0; sb < cols / KQuants.QK; sb++) {
                int in = TensorType.Q5_K.blockBytes * sb;
                for (int g = 0; g < 2; g++) {
                    int out = GROUP_BYTES * (2 * sb + g);
                    writeGroup(in8, in, g, out8, out);
                    for (int i = 0; i < 16; i++) {
                        int fifths = 0;
                        for (int p = 0; p < 8; p++) fifths |= (KQuants.q5K(row, in, 32 * (4 * g + p / 2) + i + 16 * (p % 2)) >> 4) << p;
                        rewritten.set(ValueLayout.JAVA_BYTE, out + FIFTH + i, (byte) fifths);
                    }
                }
            }
        });
    }

    /** Where the low 4 bits of the quants start in a Q5_K super-block (after d, dmin, the scales and qh). */
    private static final int NIBBLES = 48;

    /**
     * Group g (sub-blocks 4g..4g+3) of the Q5_K super-block at in[blk] written at out[o]: the low 4
     * bits interleaved as described above, then the sub-blocks' scales and mins as floats.
     */
    private static void writeGroup(byte[] in, int blk, int g, byte[] out, int o) {
        MemorySegment header = MemorySegment.ofArray(in), floats = MemorySegment.ofArray(out);
        float d = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk));
        float dmin = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk + 2));
        for (int b = 0; b < 4; b++) {
            int j = 4 * g + b;
            interleave(in, blk + NIBBLES + 32 * (j / 2), 4 * (j % 2), out, o + b);
            floats.set(DequantLayouts.FLOAT, o + SCALES + 4L * b, d * KQuants.scaleOrMin(header, blk + 4, j, 0));
            floats.set(DequantLayouts.FLOAT, o + MINS + 4L * b, dmin * KQuants.scaleOrMin(header, blk + 4, j, 1));
        }
    }

    /**
     * Sub-block j's 32 low nibbles (nibble {@code shift / 4} of the 32 bytes at in[qs]: weights
     * 0..31) into bytes out[o + 4i], weight i low and weight i + 16 high.
     */
    private static void interleave(byte[] in, int qs, int shift, byte[] out, int o) {
        for (int i = 0; i < 16; i++) {
            int lo = in[qs + i] >> shift & 0x0F, hi = in[qs + i + 16] >> shift & 0x0F;
            out[o + 4 * i] = (byte) (lo | hi << 4);
        }
    }

    /** Reference dequantization of one regrouped row: the same floats as {@link KQuants#dequantizeQ5K}. */
    static void dequantize(MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        for (int g = 0; g < cols / GROUP; g++) {
            long group = offset + (long) GROUP_BYTES * g;
            for (int b = 0; b < 4; b++) {
                float scale = w.get(DequantLayouts.FLOAT, group + SCALES + 4L * b), min = w.get(DequantLayouts.FLOAT, group + MINS + 4L * b);
                int o = dstOff + GROUP * g + 32 * b;
                for (int i = 0; i < 16; i++) {
                    int q = w.get(ValueLayout.JAVA_BYTE, group + 4L * i + b) & 0xFF;
                    int fifth = w.get(ValueLayout.JAVA_BYTE, group + FIFTH + i) & 0xFF;
                    dst[o + i] = scale * ((q & 0x0F) | (((fifth >> (2 * b)) & 1) << 4)) - min;
                    dst[o + i + 16] = scale * ((q >>> 4) | (((fifth >> (2 * b + 1)) & 1) << 4)) - min;
                }
            }
        }
    }
}
