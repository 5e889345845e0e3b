package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q6_K unpacked for SIMD ({@link TensorType#Q6_K_I8}): per super-block, the 256 weights' q - 32 as
 * signed bytes with the 16 sub-blocks in the lanes (byte 16k + j is weight k of sub-block j, that
 * is weight 16j + k), then the 16 int8 scales and the super-block's d as float32, 4 bytes of
 * padding so that every group starts 8-byte aligned (280 bytes; the file has 210). Weight =
 * (d * scale_j) * (q - 32), the floats ggml computes; the kernels widen the scales and multiply
 * them by d once per super-block. Why int8 scales: the 16 floats took 64 bytes a super-block,
 * 20% of the layout, for a conversion and a multiply that the decode loop hides. Why bytes: the
 * file's split of each q into a nibble and two high bits costs a decode kernel about 12 vector operations per 16 weights; a byte
 * costs a widening load and a conversion. Why sub-blocks in the lanes: each lane then sums one
 * sub-block's products over the super-block and is scaled once, by the scales loaded as a vector,
 * where weight order took a broadcast scale and a multiply per 16 weights (harness, 2 threads,
 * alternating in one process: 14336 x 4096 11.3 -> 13.0 GB/s with -XX:UseAVX=2, 14.1 -> 17.9 on
 * 512 bits; 4096 x 14336 12.3 -> 14.4 and 15.8 -> 16.9). x is permuted to match ({@link LaneBlocks#permute}).
 * In Q4_K_M files Q6_K holds the output matrix and the attn_v and ffn_down matrices of about 40% of
 * the layers.
 */
public final class Q6_KI8 {
    public static final int BLOCK_BYTES = 280;
    /** The 16 int8 scales. */
    public static final int SCALES = 256;
    /** The super-block's d, float32. */
    public static final int D = 272;

    private Q6_KI8() {
    }

    /** Rewrites {@code rows} rows of Q6_K from src into the unpacked layout in dst. */
    public static void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        long srcRow = TensorType.Q6_K.bytesFor(cols), dstRow = TensorType.Q6_K_I8.bytesFor(cols);
        HeapRows.rewrite(src, srcRow, dst, dstRow, firstRow, rows, (in, out) -> {
            MemorySegment row = MemorySegment.ofArray(in), rewritten = MemorySegment.ofArray(out);
            byte[] ordered = new byte[KQuants.QK];
            for (int sb = 0; sb < cols / KQuants.QK; sb++) {
                int blk = TensorType.Q6_K.blockBytes * sb, o = BLOCK_BYTES * sb;
                System.arraycopy(in, blk + 192, out, o + SCALES, 16);
                rewritten.set(DequantLayouts.FLOAT, o + D, Float.float16ToFloat(row.get(DequantLayouts.SHORT, blk + 208)));
                unpack(in, blk, ordered, out, o);
            }
        });
    }

    /**
     * q - 32 of the super-block's 256 weights in order, as {@link KQuants#q6K} reads each: weight
     * 128 half + 32 group + l takes its low 4 bits from ql[64 half + 32 (group & 1) + l] (nibble
     * group >> 1) and its high 2 from qh[32 half + l] (bits 2 group). Loops in that order, 8 weights
     * at a time in a long (masks and shifts of 8 bytes, then q - 32 as a carry-free byte add:
     * (v + 0x60) ^ 0x80 for v below 64), into ordered; then weight 16j + k goes to byte 16k + j of
     * out, a 16 x 16 byte transpose. 1.1-1.2 ns a weight in all (one thread, 4096 x 4096), against
     * 2.1-2.2 a byte at a time and 5.3 for a loop over i with the indexes divided out.
     */
    private static void unpack(byte[] in, int blk, byte[] ordered, byte[] out, int o) {
        for (int half = 0; half < 2; half++) {
            for (int group = 0; group < 4; group++) {
                int ql = blk + 64 * half + 32 * (group & 1), qh = blk + 128 + 32 * half, lowShift = 4 * (group >> 1), highShift = 2 * group;
                int to = 128 * half + 32 * group;
                for (int l = 0; l < 32; l += 8) {
                    long low = LittleEndianBytes.getLong(in, ql + l) >>> lowShift & 0x0F0F0F0F0F0F0F0FL;
                    long high = LittleEndianBytes.getLong(in, qh + l) >>> highShift & 0x0303030303030303L;
                    LittleEndianBytes.putLong(ordered, to + l, ((low | high << 4) + 0x6060606060606060L) ^ 0x8080808080808080L);
                }
            }
        }
        for (int j = 0; j < 16; j++) {
            for (int k = 0; k < 16; k++) out[o + 16 * k + j] = ordered[16 * j + k];
        }
    }

    /** Reference dequantization of one unpacked row: the same floats as {@link KQuants#dequantizeQ6K}. */
    static void dequantize(MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        for (int sb = 0; sb < cols / KQuants.QK; sb++) {
            long blk = offset + (long) BLOCK_BYTES * sb;
            for (int i = 0; i < KQuants.QK; i++) {
                float scale = w.get(DequantLayouts.FLOAT, blk + D) * w.get(ValueLayout.JAVA_BYTE, blk + SCALES + i / 16);
                dst[dstOff + KQuants.QK * sb + i] = scale * w.get(ValueLayout.JAVA_BYTE, blk + 16 * (i % 16) + i / 16);
            }
        }
    }
}
