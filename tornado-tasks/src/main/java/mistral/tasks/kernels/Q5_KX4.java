package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q5_K regrouped in {@link Q4_0X4}'s lane order ({@link TensorType#Q5_K_X4}), as {@link Q4_KX4}:
 * per 4 sub-blocks (128 weights) 64 bytes of the low 4 bits, lane 4b + a holding in nibble k weight
 * 4k + a of sub-block b; then the fifth bits as 4 ints, one per half group (lanes 8h..8h+7) and
 * parity of nibble: int 2h + p holds at bit L + 8j the fifth bit of lane 8h + L's nibble 2j + p;
 * then the 4 scales d * scale_j and the 4 mins dmin * min_j as float32 (112 bytes; the file has
 * 88). Weight = scale * q - min, the floats ggml computes. Rows wider than
 * {@link Q4_0X4#COLUMN_BLOCK} are stored in column blocks as Q4_0_X4's.
 *
 * <p>Why the fifth bits so: a kernel broadcasts a half group's int of one parity over its 8 lanes
 * and shifts each lane right by its index ({@code vpsrlvd}), which leaves that lane's 4 fifth
 * bits at bits 0, 8, 16 and 24; shifted to bit 4 of each byte and or-ed into the nibbles of that
 * parity masked in place, every weight becomes a 5-bit field that one mask and one convert take
 * out, as Q4_0_X4's 256-bit kernel takes out nibbles. The 512-bit kernel loads the 4 ints at once
 * and permutes them over its two halves. A byte of fifth bits per lane, spread by a multiply
 * ({@code vpmulld}, two uops), ran the matvec slower (14336 x 4096 through 1 GiB, 2 threads,
 * alternating processes, Intel Xeon host, 2026-12-07): 11.8-12.6 against 13.1-13.7 GB/s with
 * -XX:UseAVX=2, 15.4-15.7 against 16.8-17.3 with 512-bit vectors.
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
        int[] nibbles = new int[8], fifths = new int[4];
        for (int b = 0; b < 4; b++) {
            int j = 4 * g + b, qs = blk + 48 + 32 * (j / 2), qh = blk + 16, shift = 4 * (j % 2);
            for (int k = 0; k < 8; k++) {
                nibbles[k] = header.get(DequantLayouts.INT, qs + 4 * k) >>> shift & 0x0F0F0F0F;
                int bits = header.get(DequantLayouts.INT, qh + 4 * k) >>> j; // bit 8a: weight 4k + a's fifth bit
                for (int a = 0; a < 4; a++) {
                    int lane = Q4_0X4.lane(b, a);
                    fifths[fifthInt(lane, k)] |= (bits >>> (8 * a) & 1) << fifthBit(lane, k);
                }
            }
            Q4_0X4.putLanes(nibbles, out, o + 4 * Q4_0X4.lane(b, 0));
            LittleEndianBytes.putInt(out, o + SCALES + 4 * b, Float.floatToRawIntBits(d * KQuants.scaleOrMin(header, blk + 4, j, 0)));
            LittleEndianBytes.putInt(out, o + MINS + 4 * b, Float.floatToRawIntBits(dmin * KQuants.scaleOrMin(header, blk + 4, j, 1)));
        }
        for (int i = 0; i < 4; i++) LittleEndianBytes.putInt(out, o + FIFTH + 4 * i, fifths[i]);
    }

    /** Which of a group's 4 fifth-bit ints holds the fifth bit of lane's nibble k: 2 x its half + k's parity. */
    public static int fifthInt(int lane, int k) {
        return 2 * (lane / 8) + k % 2;
    }

    /** The bit of that int: the lane's index in its half + 8 x (k / 2). */
    public static int fifthBit(int lane, int k) {
        return lane % 8 + 8 * (k / 2);
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
                    int fifth = w.get(DequantLayouts.INT, group + FIFTH + 4L * fifthInt(lane, k)) >>> fifthBit(lane, k) & 1;
                    dst[dstOff + GROUP * g + 32 * b + j] = scale * (low | fifth << 4) - min;
                }
            }
        }
    }
}
