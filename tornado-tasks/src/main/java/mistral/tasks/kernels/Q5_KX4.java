package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q5_K regrouped in {@link Q4_0X4}'s lane order ({@link TensorType#Q5_K_X4}), as {@link Q4_KX4}:
 * per 4 sub-blocks (128 weights) 64 bytes of the low 4 bits, lane 4b + a holding in nibble k weight
 * 4k + a of sub-block b; then 16 bytes of fifth bits, byte i for lane i: bit j (j < 4) the fifth bit
 * of nibble 2j, bit 4 + j that of nibble 2j + 1; then the 4 scales d * scale_j and the 4 mins dmin *
 * min_j as float32 (112 bytes; the file has 88). Weight = scale * q - min, the floats ggml computes.
 * Rows wider than {@link Q4_0X4#COLUMN_BLOCK} are stored in column blocks as Q4_0_X4's.
 *
 * <p>Why the fifth bits so: a kernel spreads a lane's even (or odd) nibbles' 4 fifth bits to one
 * bit a byte with one multiply, and joins them to the nibbles of the same parity in place, so every
 * weight becomes a 5-bit field that one mask and one convert take out, as Q4_0_X4's 256-bit kernel
 * takes out nibbles.
 */
public final class Q5_KX4 {
    public static final int GROUP = 128;
    public static final int GROUP_BYTES = 112;
    public static final int FIFTH = 64;
    public static final int SCALES = 80;
    public static final int MINS = 96;

    private Q5_KX4() {
    }

    /** The number of rows of the regrouped matrix held by w (its segment holds exactly the matrix). */
    public static long rows(MemorySegment w, int cols) {
        return Q4_0X4.rows(TensorType.Q5_K_X4, w, cols);
    }

    /** Where group g (columns 128g..128g+127) of row r starts in a matrix of {@code rows} x {@code cols}. */
    public static long groupOffset(long rows, int cols, long r, int g) {
        return Q4_0X4.groupOffset(TensorType.Q5_K_X4, rows, cols, r, g);
    }

    /** Rewrites {@code rows} rows of Q5_K from src into the regrouped layout in dst (the whole matrix's segment). */
    public static void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        long srcRow = TensorType.Q5_K.bytesFor(cols), allRows = rows(dst, cols);
        byte[] in = new byte[Math.toIntExact(srcRow)], out = new byte[GROUP_BYTES * (cols / GROUP)];
        MemorySegment header = MemorySegment.ofArray(in);
        for (long r = firstRow; r < firstRow + rows; r++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, r * srcRow, in, 0, in.length);
            for (int sb = 0; sb < cols / KQuants.QK; sb++) {
                for (int g = 0; g < 2; g++) writeGroup(header, in, TensorType.Q5_K.blockBytes * sb, g, out, GROUP_BYTES * (2 * sb + g));
            }
            Q4_0X4.writeColumnBlocks(TensorType.Q5_K_X4, out, dst, allRows, cols, r);
        }
    }

    /**
     * Group g (sub-blocks 4g..4g+3) of the Q5_K super-block at in[blk] to out[o..o+112). Sub-block
     * j's weight i has its low 4 bits in nibble j % 2 of byte 48 + 32 (j / 2) + i and its fifth in
     * bit j of byte 16 + i ({@link KQuants#q5K}).
     */
    private static void writeGroup(MemorySegment header, byte[] in, int blk, int g, byte[] out, int o) {
        float d = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk));
        float dmin = Float.float16ToFloat(header.get(DequantLayouts.SHORT, blk + 2));
        int[] nibbles = new int[8];
        for (int b = 0; b < 4; b++) {
            int j = 4 * g + b, qs = blk + 48 + 32 * (j / 2), qh = blk + 16, shift = 4 * (j % 2);
            int fifths = 0; // byte a: lane a's fifth-bit byte
            for (int k = 0; k < 8; k++) {
                nibbles[k] = header.get(DequantLayouts.INT, qs + 4 * k) >>> shift & 0x0F0F0F0F;
                fifths |= (header.get(DequantLayouts.INT, qh + 4 * k) >>> j & 0x01010101) << (k / 2 + 4 * (k % 2));
            }
            Q4_0X4.putLanes(nibbles, out, o + 4 * Q4_0X4.lane(b, 0));
            LittleEndianBytes.putInt(out, o + FIFTH + Q4_0X4.lane(b, 0), fifths);
            LittleEndianBytes.putInt(out, o + SCALES + 4 * b, Float.floatToRawIntBits(d * KQuants.scaleOrMin(header, blk + 4, j, 0)));
            LittleEndianBytes.putInt(out, o + MINS + 4 * b, Float.floatToRawIntBits(dmin * KQuants.scaleOrMin(header, blk + 4, j, 1)));
        }
    }

    /** Reference dequantization of the regrouped row at offset (r x bytesFor(cols)): the same floats as {@link KQuants#dequantizeQ5K}. */
    static void dequantize(MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        long rows = rows(w, cols), r = offset / TensorType.Q5_K_X4.bytesFor(cols);
        for (int g = 0; g < cols / GROUP; g++) {
            long group = groupOffset(rows, cols, r, g);
            for (int b = 0; b < 4; b++) {
                float scale = w.get(DequantLayouts.FLOAT, group + SCALES + 4L * b), min = w.get(DequantLayouts.FLOAT, group + MINS + 4L * b);
                for (int j = 0; j < 32; j++) {
                    int lane = Q4_0X4.lane(b, j), k = j / 4;
                    int low = w.get(DequantLayouts.INT, group + 4L * lane) >>> (4 * k) & 0xF;
                    int fifth = w.get(ValueLayout.JAVA_BYTE, group + FIFTH + lane) >> (k / 2 + 4 * (k % 2)) & 1;
                    dst[dstOff + GROUP * g + 32 * b + j] = scale * (low | fifth << 4) - min;
                }
            }
        }
    }
}
