package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q4_0 regrouped for SIMD ({@link TensorType#Q4_0_X4}): every 4 consecutive blocks of a row (128
 * weights) become 64 bytes of quants followed by the 4 scales as float32.
 *
 * <p>Read as 16 little-endian 32-bit lanes, nibble k of lane i = 4b + a is weight 4k + a of block
 * b ({@link #lane}). Why: nibble k of all lanes is one 16-weight vector with four weights of each
 * block, so one 512-bit load feeds 8 weight vectors with a shift and a table lookup each, and one
 * vector of the 4 scales (lane i takes scale i / 4) scales the group's 128 products with a single
 * FMA instead of one per block. The activation is put in the same order once per matvec
 * ({@link #permute}). Scales right after their quants keep the row one forward stream (measured:
 * scales in a separate run per row made the matvec slower than plain Q4_0). 10/9 of Q4_0's bytes;
 * the f32 scale is the f16 one widened, so the weights are the same numbers.
 *
 * <p>Rows wider than {@link #COLUMN_BLOCK} are stored in column blocks: all rows' first 4096
 * columns, then all rows' next 4096, and so on ({@link #groupOffset}). Why: a matvec keeps x in L1
 * only while x's part (16 KiB here) and the streaming weights fit together; over the 4096 x 14336
 * FFN-down matrix with x whole (56 KiB) each x load came from L2 and the matvec ran at 1.44 ns per
 * block against 0.67 with 16 KiB of x (2 threads), and reading 4096-column runs out of row-major
 * rows instead broke the hardware prefetch (1.39). A tensor in this layout is its own segment
 * (rows x {@link TensorType#bytesFor} bytes), so the row count follows from the segment's size.
 */
public final class Q4_0X4 {
    /** Weights per group, bytes per group, and where in a group its 4 float scales start. */
    public static final int GROUP = 128;
    public static final int GROUP_BYTES = 80;
    public static final int SCALES = 64;

    private Q4_0X4() {
    }

    /** Columns per block of a wide matrix: 32 groups, x's part 16 KiB. */
    public static final int COLUMN_BLOCK = 4096;

    /** Whether a row of this many columns regroups (whole groups only). */
    public static boolean fits(int cols) {
        return cols % GROUP == 0;
    }

    /** The 32-bit lane (0..15) whose nibble {@code j / 4} holds weight j of block b. */
    public static int lane(int b, int j) {
        return 4 * b + j % 4;
    }

    /** The number of rows of the regrouped matrix held by w (its segment holds exactly the matrix). */
    public static long rows(MemorySegment w, int cols) {
        return rows(TensorType.Q4_0_X4, w, cols);
    }

    /** As {@link #rows(MemorySegment, int)} for a layout in this one's column blocks (Q4_0_X4 or {@link Q4_KX4}). */
    static long rows(TensorType layout, MemorySegment w, int cols) {
        long rowBytes = layout.bytesFor(cols);
        if (w.byteSize() % rowBytes != 0) throw new IllegalArgumentException("a " + layout + " segment of " + w.byteSize() + " bytes is not whole rows of " + cols + " columns");
        return w.byteSize() / rowBytes;
    }

    /** Where group g (columns 128g..128g+127) of row r starts in a matrix of {@code rows} x {@code cols}. */
    public static long groupOffset(long rows, int cols, long r, int g) {
        return groupOffset(TensorType.Q4_0_X4, rows, cols, r, g);
    }

    /** As {@link #groupOffset(long, int, long, int)} for a layout in this one's column blocks (Q4_0_X4 or {@link Q4_KX4}). */
    public static long groupOffset(TensorType layout, long rows, int cols, long r, int g) {
        int block = g / (COLUMN_BLOCK / GROUP), firstCol = block * COLUMN_BLOCK;
        int blockCols = Math.min(COLUMN_BLOCK, cols - firstCol);
        long blockStart = rows * layout.bytesFor(COLUMN_BLOCK) * block;
        return blockStart + r * layout.bytesFor(blockCols) + layout.blockBytes * (long) (g - firstCol / GROUP);
    }

    /**
     * Rewrites {@code rows} rows of Q4_0 from src into the regrouped layout in dst (the whole
     * matrix's segment): a row in and each of its column blocks out with one bulk copy each, and a
     * block's lanes built from 4 bytes at a time ({@link #putLanes}). Two bulk copies per group and
     * a loop over the nibbles made the 7B's load take 17-26 s (bench load_s, 2 threads) against
     * 6.1-6.6 s with bulk copies; the nibble loop took 1.1-1.3 ns a weight, 4 bytes at a time 0.3.
     */
    public static void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        if (!fits(cols)) throw new IllegalArgumentException(cols + " columns is not a multiple of " + GROUP);
        long srcRow = TensorType.Q4_0.bytesFor(cols), allRows = rows(dst, cols);
        byte[] in = new byte[(int) srcRow];
        byte[] out = new byte[GROUP_BYTES * (cols / GROUP)];
        MemorySegment blocks = MemorySegment.ofArray(in);
        int[] nibbles = new int[8];
        for (long r = firstRow; r < firstRow + rows; r++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, r * srcRow, in, 0, in.length);
            for (int g = 0; g < cols / GROUP; g++) regroupBlocks(blocks, (int) TensorType.Q4_0.bytesFor(GROUP) * g, nibbles, out, GROUP_BYTES * g);
            writeColumnBlocks(TensorType.Q4_0_X4, out, dst, allRows, cols, r);
        }
    }

    /**
     * Row r of a layout in this one's column blocks (Q4_0_X4, {@link Q4_KX4}, {@link Q5_KX4}),
     * rewritten into out group after group, copied into dst with one bulk copy per column block.
     */
    static void writeColumnBlocks(TensorType layout, byte[] out, MemorySegment dst, long allRows, int cols, long r) {
        for (int c = 0; c < cols; c += COLUMN_BLOCK) {
            int g = c / GROUP, groups = Math.min(COLUMN_BLOCK, cols - c) / GROUP;
            MemorySegment.copy(out, layout.blockBytes * g, dst, ValueLayout.JAVA_BYTE, groupOffset(layout, allRows, cols, r, g), layout.blockBytes * groups);
        }
    }

    /** Four 18-byte Q4_0 blocks (f16 scale, 16 bytes of nibbles: weight j low for j < 16, high for j - 16) to one 80-byte group. */
    static void regroupBlocks(byte[] in, byte[] out) {
        regroupBlocks(MemorySegment.ofArray(in), 0, new int[8], out, 0);
    }

    /**
     * The blocks at in[i..i+72) to the group at out[o..o+80). Byte a of the block's quant int m
     * (bytes 4m..4m+3) holds weight 4m + a in its low half and 16 + 4m + a in its high half, so
     * masking the int gives nibble m of lanes a = 0..3, and shifting it first nibble m + 4.
     */
    static void regroupBlocks(MemorySegment in, int i, int[] nibbles, byte[] out, int o) {
        for (int b = 0; b < 4; b++) {
            int qs = i + 18 * b + 2;
            for (int m = 0; m < 4; m++) {
                int q = in.get(DequantLayouts.INT, qs + 4 * m);
                nibbles[m] = q & 0x0F0F0F0F;
                nibbles[m + 4] = q >>> 4 & 0x0F0F0F0F;
            }
            putLanes(nibbles, out, o + 4 * lane(b, 0));
            LittleEndianBytes.putInt(out, o + SCALES + 4 * b, Float.floatToRawIntBits(Float.float16ToFloat(in.get(DequantLayouts.SHORT, i + 18 * b))));
        }
    }

    /**
     * The 4 lanes a = 0..3 of a 32-weight block whose weight 4k + a is nibble k of lane a, from
     * nibbles[k] (k < 8), an int whose byte a holds weight 4k + a in its low 4 bits (the rest zero),
     * written as ints at out[o + 4a]: bytes of nibble pairs, then a 4 x 4 byte transpose. The
     * K-quant regroupings build their lanes with it, 3-4x fewer operations than a nibble at a time.
     */
    static void putLanes(int[] nibbles, byte[] out, int o) {
        int m0 = nibbles[0] | nibbles[1] << 4, m1 = nibbles[2] | nibbles[3] << 4;
        int m2 = nibbles[4] | nibbles[5] << 4, m3 = nibbles[6] | nibbles[7] << 4;
        int t0 = m0 & 0x00FF00FF | (m1 & 0x00FF00FF) << 8, t1 = m0 >>> 8 & 0x00FF00FF | m1 & 0xFF00FF00;
        int t2 = m2 & 0x00FF00FF | (m3 & 0x00FF00FF) << 8, t3 = m2 >>> 8 & 0x00FF00FF | m3 & 0xFF00FF00;
        LittleEndianBytes.putInt(out, o, t0 & 0xFFFF | t2 << 16);
        LittleEndianBytes.putInt(out, o + 4, t1 & 0xFFFF | t3 << 16);
        LittleEndianBytes.putInt(out, o + 8, t0 >>> 16 | t2 & 0xFFFF0000);
        LittleEndianBytes.putInt(out, o + 12, t1 >>> 16 | t3 & 0xFFFF0000);
    }

    /**
     * The activation in the lanes' order: xp[16k + 4b + a] = x[32b + 4k + a] in every group, so
     * the 16 floats at xp[16k] meet nibble k of the 16 lanes. Four floats at a time.
     */
    public static void permute(float[] x, int xOff, int cols, float[] xp, int xpOff) {
        for (int g = 0; g < cols; g += GROUP) {
            for (int k = 0; k < 8; k++) {
                for (int b = 0; b < 4; b++) System.arraycopy(x, xOff + g + 32 * b + 4 * k, xp, xpOff + g + 16 * k + 4 * b, 4);
            }
        }
    }

    /** Reference dequantization of the regrouped row at offset (r x bytesFor(cols)): the ground truth for the fast kernel. */
    static void dequantize(MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        long rows = rows(w, cols), r = offset / TensorType.Q4_0_X4.bytesFor(cols);
        for (int g = 0; g < cols / GROUP; g++) {
            long group = groupOffset(rows, cols, r, g);
            for (int b = 0; b < 4; b++) {
                float d = w.get(DequantLayouts.FLOAT, group + SCALES + 4L * b);
                for (int j = 0; j < 32; j++) {
                    int lane = w.get(DequantLayouts.INT, group + 4L * lane(b, j));
                    dst[dstOff + GROUP * g + 32 * b + j] = d * ((lane >>> (4 * (j / 4)) & 0xF) - 8);
                }
            }
        }
    }
}
