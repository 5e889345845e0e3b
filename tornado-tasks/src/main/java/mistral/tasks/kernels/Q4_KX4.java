package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q4_K regrouped in {@link Q4_0X4}'s lane order, in two formats that share the quants: every 4
 * sub-blocks of 32 weights (half a super-block) become 64 bytes of quants whose 32-bit lane 4b + a
 * holds, in nibble k, weight 4k + a of sub-block b. Weight = scale_b * q - min_b, with scale_b =
 * d * scale and min_b = dmin * min, the floats ggml's dequantization computes. Rows wider than
 * {@link Q4_0X4#COLUMN_BLOCK} are stored in column blocks as Q4_0_X4's ({@link #groupOffset}).
 * <ul>
 * <li>{@link TensorType#Q4_K_X4} (the 512-bit matvec's): then the 4 products d * scale and the 4
 *   dmin * min as float32, 96 bytes per 128 weights (the file has 72).</li>
 * <li>{@link TensorType#Q4_K_X4_S8} (the 256-bit matvec's): then the 4 6-bit scales and the 4 mins
 *   as bytes and the super-block's d and dmin as float32, 80 bytes per 128 weights.</li>
 * </ul>
 *
 * <p>Why Q4_0_X4's order: a lane holds one sub-block, so a group's products are summed over its
 * nibbles first and scaled once per group by the scales spread over the lanes, and the mins come
 * out of per-lane sums of x the same way. In a byte-per-sub-block order (every lane holding all 4
 * sub-blocks) each sub-block needed its own scale FMAs and scalar min terms: the 256-bit matvec over
 * 14336 x 4096 ran 252 matvecs/s against 307 in this order (-XX:UseAVX=2, one process, alternating).
 *
 * <p>Why two formats: the 256-bit matvec widens and multiplies the 8 bytes once per group on ports
 * the loop leaves free, and reads 17% fewer bytes (14336 x 4096, 2 threads, -XX:UseAVX=2: 320
 * against 291 matvecs/s); the 512-bit one is bound by its shuffles, and the same steps there cost
 * more than the bytes save (288 against 349).
 */
public final class Q4_KX4 {
    public static final int GROUP = 128;
    /** Q4_K_X4's group: quants, the 4 scales as float32 from byte 64, the 4 mins from byte 80. */
    public static final int GROUP_BYTES = 96;
    public static final int SCALES = 64;
    public static final int MINS = 80;
    /** Q4_K_X4_S8's group: quants, the 4 scale bytes from byte 64, the 4 min bytes from 68, d at 72, dmin at 76. */
    public static final int S8_GROUP_BYTES = 80;
    public static final int S8_SCALES = 64;
    public static final int S8_MINS = 68;
    public static final int S8_D = 72;
    public static final int S8_DMIN = 76;

    private Q4_KX4() {
    }

    /** The number of rows of the regrouped matrix held by w (its segment holds exactly the matrix). */
    public static long rows(TensorType type, MemorySegment w, int cols) {
        return Q4_0X4.rows(type, w, cols);
    }

    /** Where group g (columns 128g..128g+127) of row r starts in a matrix of {@code rows} x {@code cols}. */
    public static long groupOffset(TensorType type, long rows, int cols, long r, int g) {
        return Q4_0X4.groupOffset(type, rows, cols, r, g);
    }

    /** Rewrites {@code rows} rows of Q4_K from src into Q4_K_X4 in dst (the whole matrix's segment). */
    public static void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        regroup(TensorType.Q4_K_X4, src, dst, firstRow, rows, cols);
    }

    /** Rewrites {@code rows} rows of Q4_K from src into Q4_K_X4_S8 in dst (the whole matrix's segment). */
    public static void regroupS8(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        regroup(TensorType.Q4_K_X4_S8, src, dst, firstRow, rows, cols);
    }

    private static void regroup(TensorType type, MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        long srcRow = TensorType.Q4_K.bytesFor(cols), allRows = rows(type, dst, cols);
        int groupBytes = type.blockBytes;
        byte[] in = new byte[Math.toIntExact(srcRow)], out = new byte[groupBytes * (cols / GROUP)];
        MemorySegment header = MemorySegment.ofArray(in);
        for (long r = firstRow; r < firstRow + rows; r++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, r * srcRow, in, 0, in.length);
            for (int sb = 0; sb < cols / KQuants.QK; sb++) {
                for (int g = 0; g < 2; g++) {
                    writeGroup(type, header, in, TensorType.Q4_K.blockBytes * sb, g, out, groupBytes * (2 * sb + g));
                }
            }
            Q4_0X4.writeColumnBlocks(type, out, dst, allRows, cols, r);
        }
    }

    /**
     * Group g (sub-blocks 4g..4g+3) of the Q4_K super-block at in[blk] to out[o..o+96) or
     * out[o..o+80). Sub-block j's weight i is nibble j % 2 of byte 32 (j / 2) + i of the quants
     * ({@link KQuants#q4K}).
     */
    private static void writeGroup(TensorType type, MemorySegment header, byte[] in, int blk, int g, byte[] out, int o) {
        float d = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk));
        float dmin = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk + 2));
        int[] nibbles = new int[8];
        for (int b = 0; b < 4; b++) {
            int j = 4 * g + b, qs = blk + 16 + 32 * (j / 2), shift = 4 * (j % 2);
            for (int k = 0; k < 8; k++) nibbles[k] = header.get(DequantLayouts.INT, qs + 4 * k) >>> shift & 0x0F0F0F0F;
            Q4_0X4.putLanes(nibbles, out, o + 4 * Q4_0X4.lane(b, 0));
            int scale = KQuants.scaleOrMin(header, blk + 4, j, 0), min = KQuants.scaleOrMin(header, blk + 4, j, 1);
            if (type == TensorType.Q4_K_X4) {
                LittleEndianBytes.putInt(out, o + SCALES + 4 * b, Float.floatToRawIntBits(d * scale));
                LittleEndianBytes.putInt(out, o + MINS + 4 * b, Float.floatToRawIntBits(dmin * min));
            } else {
                out[o + S8_SCALES + b] = (byte) scale;
                out[o + S8_MINS + b] = (byte) min;
            }
        }
        if (type == TensorType.Q4_K_X4_S8) {
            LittleEndianBytes.putInt(out, o + S8_D, Float.floatToRawIntBits(d));
            LittleEndianBytes.putInt(out, o + S8_DMIN, Float.floatToRawIntBits(dmin));
        }
    }

    /** Sub-block b's d * scale in the group at byte {@code group} of either format. */
    static float scale(TensorType type, MemorySegment w, long group, int b) {
        return type == TensorType.Q4_K_X4 ? w.get(DequantLayouts.FLOAT, group + SCALES + 4L * b)
                : w.get(DequantLayouts.FLOAT, group + S8_D) * w.get(ValueLayout.JAVA_BYTE, group + S8_SCALES + b);
    }

    /** Sub-block b's dmin * min in the group at byte {@code group} of either format. */
    static float min(TensorType type, MemorySegment w, long group, int b) {
        return type == TensorType.Q4_K_X4 ? w.get(DequantLayouts.FLOAT, group + MINS + 4L * b)
                : w.get(DequantLayouts.FLOAT, group + S8_DMIN) * w.get(ValueLayout.JAVA_BYTE, group + S8_MINS + b);
    }

    /**
     * Reference dequantization of the regrouped row at offset (r x bytesFor(cols)) in either
     * format: the same floats as {@link KQuants#dequantizeQ4K}.
     */
    static void dequantize(TensorType type, MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        long rows = rows(type, w, cols), r = offset / type.bytesFor(cols);
        for (int g = 0; g < cols / GROUP; g++) {
            long group = groupOffset(type, rows, cols, r, g);
            for (int b = 0; b < 4; b++) {
                float scale = scale(type, w, group, b), min = min(type, w, group, b);
                for (int j = 0; j < 32; j++) {
                    int lane = w.get(DequantLayouts.INT, group + 4L * Q4_0X4.lane(b, j));
                    dst[dstOff + GROUP * g + 32 * b + j] = scale * (lane >>> (4 * (j / 4)) & 0xF) - min;
                }
            }
        }
    }
}
