package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q4_K regrouped in {@link Q4_0X4}'s lane order ({@link TensorType#Q4_K_X4}): every 4 sub-blocks
 * of 32 weights (half a super-block) become 64 bytes of quants whose 32-bit lane 4b + a holds, in
 * nibble k, weight 4k + a of sub-block b; then the 4 sub-blocks' scales d * scale_j and the 4 mins
 * dmin * min_j as float32 (96 bytes per 128 weights; the file has 72). Weight = scale * q - min,
 * the floats ggml's dequantization computes. Rows wider than {@link Q4_0X4#COLUMN_BLOCK} are stored
 * in column blocks as Q4_0_X4's ({@link #groupOffset}).
 *
 * <p>Why Q4_0_X4's order: a lane holds one sub-block, so a group's products are summed over its
 * nibbles first and scaled once per group by the scales spread over the lanes, and the mins come
 * out of per-lane sums of x the same way. In a byte-per-sub-block order (every lane holding all 4
 * sub-blocks) each sub-block needed its own scale FMAs and scalar min terms: the 256-bit matvec over
 * 14336 x 4096 ran 252 matvecs/s against 307 in this order (-XX:UseAVX=2, one process, alternating).
 */
public final class Q4_KX4 {
    public static final int GROUP = 128;
    public static final int GROUP_BYTES = 96;
    public static final int SCALES = 64;
    public static final int MINS = 80;

    private Q4_KX4() {
    }

    /** The number of rows of the regrouped matrix held by w (its segment holds exactly the matrix). */
    public static long rows(MemorySegment w, int cols) {
        return Q4_0X4.rows(TensorType.Q4_K_X4, w, cols);
    }

    /** Where group g (columns 128g..128g+127) of row r starts in a matrix of {@code rows} x {@code cols}. */
    public static long groupOffset(long rows, int cols, long r, int g) {
        return Q4_0X4.groupOffset(TensorType.Q4_K_X4, rows, cols, r, g);
    }

    /** Rewrites {@code rows} rows of Q4_K from src into the regrouped layout in dst (the whole matrix's segment). */
    public static void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        long srcRow = TensorType.Q4_K.bytesFor(cols), allRows = rows(dst, cols);
        byte[] in = new byte[Math.toIntExact(srcRow)], out = new byte[GROUP_BYTES * (cols / GROUP)];
        MemorySegment header = MemorySegment.ofArray(in);
        for (long r = firstRow; r < firstRow + rows; r++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, r * srcRow, in, 0, in.length);
            for (int sb = 0; sb < cols / KQuants.QK; sb++) {
                for (int g = 0; g < 2; g++) writeGroup(header, in, TensorType.Q4_K.blockBytes * sb, g, out, GROUP_BYTES * (2 * sb + g));
            }
            Q4_0X4.writeColumnBlocks(TensorType.Q4_K_X4, out, dst, allRows, cols, r);
        }
    }

    /**
     * Group g (sub-blocks 4g..4g+3) of the Q4_K super-block at in[blk] to out[o..o+96). Sub-block
     * j's weight i is nibble j % 2 of byte 32 (j / 2) + i of the quants ({@link KQuants#q4K}).
     */
    private static void writeGroup(MemorySegment header, byte[] in, int blk, int g, byte[] out, int o) {
        float d = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk));
        float dmin = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk + 2));
        int[] nibbles = new int[8];
        for (int b = 0; b < 4; b++) {
            int j = 4 * g + b, qs = blk + 16 + 32 * (j / 2), shift = 4 * (j % 2);
            for (int k = 0; k < 8; k++) nibbles[k] = header.get(DequantLayouts.INT, qs + 4 * k) >>> shift & 0x0F0F0F0F;
            Q4_0X4.putLanes(nibbles, out, o + 4 * Q4_0X4.lane(b, 0));
            LittleEndianBytes.putInt(out, o + SCALES + 4 * b, Float.floatToRawIntBits(d * KQuants.scaleOrMin(header, blk + 4, j, 0)));
            LittleEndianBytes.putInt(out, o + MINS + 4 * b, Float.floatToRawIntBits(dmin * KQuants.scaleOrMin(header, blk + 4, j, 1)));
        }
    }

    /** Reference dequantization of the regrouped row at offset (r x bytesFor(cols)): the same floats as {@link KQuants#dequantizeQ4K}. */
    static void dequantize(MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        long rows = rows(w, cols), r = offset / TensorType.Q4_K_X4.bytesFor(cols);
        for (int g = 0; g < cols / GROUP; g++) {
            long group = groupOffset(rows, cols, r, g);
            for (int b = 0; b < 4; b++) {
                float scale = w.get(DequantLayouts.FLOAT, group + SCALES + 4L * b), min = w.get(DequantLayouts.FLOAT, group + MINS + 4L * b);
                for (int j = 0; j < 32; j++) {
                    int lane = w.get(DequantLayouts.INT, group + 4L * Q4_0X4.lane(b, j));
                    dst[dstOff + GROUP * g + 32 * b + j] = scale * (lane >>> (4 * (j / 4)) & 0xF) - min;
                }
            }
        }
    }
}
