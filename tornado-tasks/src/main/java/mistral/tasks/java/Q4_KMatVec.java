package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import mistral.tasks.kernels.DequantLayouts;

import static mistral.tasks.java.Simd.F;

/**
 * Q4_K decode dot products ({@link mistral.tasks.kernels.KQuants} has the layout): weight =
 * d * scale_j * q - dmin * min_j over sub-blocks j of 32, so a row's dot is
 * sum_j d * scale_j * (q . x)_j - sum_j dmin * min_j * sum(x_j): the min term needs only the block
 * sums of x, computed once per matvec ({@link Q4_0MatVec#blockSums}). Nibbles are widened to int
 * lanes, masked and converted, as in {@link Q4_0MatVec}.
 */
final class Q4_KMatVec {
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final int BLOCK_BYTES = 144;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q4_KMatVec() {
    }

    /**
     * Two sub-blocks (64 weights, 32 bytes of nibbles) per iteration: each widened byte vector
     * serves the low nibbles of sub-block j and the high nibbles of j + 1.
     */
    static float dot(MemorySegment w, long off, float[] x, int xOff, float[] xBlockSums, int cols) {
        FloatVector acc = FloatVector.zero(F);
        float mins = 0;
        int L = F.length();
        for (int pair = 0; pair < cols / 64; pair++) {
            long blk = off + (long) BLOCK_BYTES * (pair >> 2);
            int j = 2 * (pair & 3);
            long qs = blk + 16 + 32L * (pair & 3);
            int xo = xOff + 64 * pair;
            FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
            for (int h = 0; h < 32; h += L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, qs + h, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
                lo = ((FloatVector) q.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, xo + h), lo);
                hi = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.fromArray(F, x, xo + 32 + h), hi);
            }
            float d = Float.float16ToFloat(w.get(DequantLayouts.SHORT, blk));
            float dmin = Float.float16ToFloat(w.get(DequantLayouts.SHORT, blk + 2));
            long packed = w.get(LONG, blk + 4); // scale bytes 0..7
            int packedHigh = w.get(DequantLayouts.INT, blk + 12); // scale bytes 8..11
            int scales = (pair & 3) < 2 ? lowScales(packed) : highScales(packed, packedHigh); // byte k: sub-block (j & 4) + k
            int mins4 = (pair & 3) < 2 ? lowMins(packed) : highMins(packed, packedHigh);
            int k = 8 * (j & 3);
            acc = lo.fma(FloatVector.broadcast(F, d * ((scales >>> k) & 0xFF)), acc);
            acc = hi.fma(FloatVector.broadcast(F, d * ((scales >>> (k + 8)) & 0xFF)), acc);
            mins += dmin * (((mins4 >>> k) & 0xFF) * xBlockSums[2 * pair] + ((mins4 >>> (k + 8)) & 0xFF) * xBlockSums[2 * pair + 1]);
        }
        return acc.reduceLanes(VectorOperators.ADD) - mins;
    }

    /** Dequantizes a row into dst (the prefill matmul reuses it for every token of the chunk). */
    static void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int L = F.length();
        for (int pair = 0; pair < cols / 64; pair++) {
            long blk = off + (long) BLOCK_BYTES * (pair >> 2);
            int j = 2 * (pair & 3);
            long qs = blk + 16 + 32L * (pair & 3);
            float d = Float.float16ToFloat(w.get(DequantLayouts.SHORT, blk));
            float dmin = Float.float16ToFloat(w.get(DequantLayouts.SHORT, blk + 2));
            long packed = w.get(LONG, blk + 4);
            int packedHigh = w.get(DequantLayouts.INT, blk + 12);
            int scales = (pair & 3) < 2 ? lowScales(packed) : highScales(packed, packedHigh);
            int mins4 = (pair & 3) < 2 ? lowMins(packed) : highMins(packed, packedHigh);
            int k = 8 * (j & 3);
            FloatVector d1 = FloatVector.broadcast(F, d * ((scales >>> k) & 0xFF)), d2 = FloatVector.broadcast(F, d * ((scales >>> (k + 8)) & 0xFF));
            FloatVector m1 = FloatVector.broadcast(F, dmin * ((mins4 >>> k) & 0xFF)), m2 = FloatVector.broadcast(F, dmin * ((mins4 >>> (k + 8)) & 0xFF));
            for (int h = 0; h < 32; h += L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, qs + h, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
                ((FloatVector) q.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).mul(d1).sub(m1).intoArray(dst, dstOff + 64 * pair + h);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).convertShape(VectorOperators.I2F, F, 0)).mul(d2).sub(m2)
                        .intoArray(dst, dstOff + 64 * pair + 32 + h);
            }
        }
    }

    // The 6-bit scales and mins of the 8 sub-blocks (ggml's get_scale_min_k4), four at a time, one
    // per byte of an int: sub-blocks 0-3 keep theirs in the low 6 bits of bytes 0-3 (scales) and 4-7
    // (mins); sub-blocks 4-7 take their low 4 bits from the nibbles of bytes 8-11 and their top 2
    // from the top bits of bytes 0-3 / 4-7. Unpacked byte by byte, this was half the kernel's time.

    static int lowScales(long packed) {
        return (int) packed & 0x3F3F3F3F;
    }

    static int lowMins(long packed) {
        return (int) (packed >>> 32) & 0x3F3F3F3F;
    }

    static int highScales(long packed, int packedHigh) {
        return (packedHigh & 0x0F0F0F0F) | ((((int) packed >>> 6) & 0x03030303) << 4);
    }

    static int highMins(long packed, int packedHigh) {
        return ((packedHigh >>> 4) & 0x0F0F0F0F) | ((((int) (packed >>> 32) >>> 6) & 0x03030303) << 4);
    }
}
