package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q8_0 with 16 blocks in the lanes ({@link TensorType#Q8_0_X16}): every 16 blocks of 32 weights
 * become 512 bytes whose byte 16k + j is weight k of block j, then the 16 scales as float32 (576
 * bytes per 512 weights; the file has 544). Weight = scale * q, the floats ggml computes. Why: each
 * lane then sums one block's products over the group and is scaled once, by the scales loaded as
 * a vector, where the file's order takes a broadcast scale, a multiply and three adds per block on
 * 256-bit vectors (harness, 14336 x 4096, 2 threads, 1 GiB, alternating in one process,
 * -XX:UseAVX=2: 14.3 -> 17.0 GB/s-equivalent; 512 bits 21.3 against 21.5, so 512-bit machines keep
 * the file's layout). x is permuted to match ({@link LaneBlocks#permute}).
 */
public final class Q8_0X16 {
    public static final int GROUP = 512;
    public static final int GROUP_BYTES = 576;
    public static final int SCALES = 512;

    private Q8_0X16() {
    }

    /** Whether a row of this many columns regroups (whole groups only). */
    public static boolean fits(int cols) {
        return cols % GROUP == 0;
    }

    /** Rewrites {@code rows} rows of Q8_0 from src into the regrouped layout in dst. */
    public static void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        if (!fits(cols)) throw new IllegalArgumentException(cols + " columns is not a multiple of " + GROUP);
        long srcRow = TensorType.Q8_0.bytesFor(cols), dstRow = TensorType.Q8_0_X16.bytesFor(cols);
        int blockBytes = TensorType.Q8_0.blockBytes;
        HeapRows.rewrite(src, srcRow, dst, dstRow, firstRow, rows, (in, out) -> {
            MemorySegment row = MemorySegment.ofArray(in), rewritten = MemorySegment.ofArray(out);
            for (int g = 0; g < cols / GROUP; g++) {
                int o = GROUP_BYTES * g;
                for (int j = 0; j < 16; j++) {
                    int blk = blockBytes * (16 * g + j);
                    rewritten.set(DequantLayouts.FLOAT, o + SCALES + 4L * j, Float.float16ToFloat(row.get(DequantLayouts.SHORT, blk)));
                    for (int k = 0; k < 32; k++) out[o + 16 * k + j] = in[blk + 2 + k];
                }
            }
        });
    }

    /** Reference dequantization of one regrouped row: the same floats as Q8_0's. */
    static void dequantize(MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        for (int g = 0; g < cols / GROUP; g++) {
            long group = offset + (long) GROUP_BYTES * g;
            for (int i = 0; i < GROUP; i++) {
                dst[dstOff + GROUP * g + i] = w.get(DequantLayouts.FLOAT, group + SCALES + 4L * (i / 32)) * w.get(ValueLayout.JAVA_BYTE, group + 16 * (i % 32) + i / 32);
            }
        }
    }
}
