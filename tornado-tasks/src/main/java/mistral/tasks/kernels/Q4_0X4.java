package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/**
 * Q4_0 regrouped for SIMD ({@link TensorType#Q4_0_X4}): every 4 consecutive blocks of a row (128
 * weights) become 64 bytes of quants, interleaved byte by byte (byte 4i + b is byte i of block b),
 * followed by the 4 scales as float32.
 *
 * <p>Why: read as 32-bit lanes, lane i holds byte i of all four blocks, so nibble k of every lane
 * belongs to the same 16 consecutive weights (block k/2, weights 16(k%2) .. +15). One 512-bit load
 * thus feeds 8 weight vectors with a shift each and no byte-to-int widening, and the scale needs
 * no half-float conversion. Scales right after their quants keep the row one forward stream
 * (measured: scales in a separate run per row made the matvec slower than plain Q4_0).
 * 10/9 of Q4_0's bytes; the f32 scale is the f16 one widened, so the weights are the same numbers.
 */
public final class Q4_0X4 {
    /** Weights per group, bytes per group, and where in a group its 4 float scales start. */
    public static final int GROUP = 128;
    public static final int GROUP_BYTES = 80;
    public static final int SCALES = 64;

    private Q4_0X4() {
    }

    /** Whether a row of this many columns regroups (whole groups only). */
    public static boolean fits(int cols) {
        return cols % GROUP == 0;
    }

    /** Rewrites {@code rows} rows of Q4_0 from src into the regrouped layout in dst. */
    public static void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols) {
        if (!fits(cols)) throw new IllegalArgumentException(cols + " columns is not a multiple of " + GROUP);
        long srcRow = TensorType.Q4_0.bytesFor(cols), dstRow = TensorType.Q4_0_X4.bytesFor(cols);
        byte[] in = new byte[(int) TensorType.Q4_0.bytesFor(GROUP)];
        byte[] out = new byte[GROUP_BYTES];
        for (long r = firstRow; r < firstRow + rows; r++) {
            for (int g = 0; g < cols / GROUP; g++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, r * srcRow + (long) in.length * g, in, 0, in.length);
                regroupBlocks(in, out);
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, r * dstRow + (long) GROUP_BYTES * g, GROUP_BYTES);
            }
        }
    }

    /** Four 18-byte Q4_0 blocks (f16 scale, 16 bytes of nibbles) to one 80-byte group. */
    static void regroupBlocks(byte[] in, byte[] out) {
        for (int b = 0; b < 4; b++) {
            for (int i = 0; i < 16; i++) out[4 * i + b] = in[18 * b + 2 + i];
            short half = (short) ((in[18 * b] & 0xFF) | (in[18 * b + 1] << 8));
            int bits = Float.floatToRawIntBits(Float.float16ToFloat(half));
            for (int j = 0; j < 4; j++) out[SCALES + 4 * b + j] = (byte) (bits >>> (8 * j));
        }
    }

    /** Reference dequantization of one regrouped row (the ground truth for the fast kernel). */
    static void dequantize(MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        for (int g = 0; g < cols / GROUP; g++) {
            long group = offset + (long) GROUP_BYTES * g;
            for (int b = 0; b < 4; b++) {
                float d = w.get(DequantLayouts.FLOAT, group + SCALES + 4L * b);
                int o = dstOff + GROUP * g + 32 * b;
                for (int i = 0; i < 16; i++) {
                    int q = w.get(ValueLayout.JAVA_BYTE, group + 4L * i + b) & 0xFF;
                    dst[o + i] = d * ((q & 0x0F) - 8);
                    dst[o + i + 16] = d * ((q >>> 4) - 8);
                }
            }
        }
    }
}
