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
 * Q5_K decode dot products on the file's layout ({@link mistral.tasks.kernels.KQuants}): as
 * {@link Q4_KMatVec}, two sub-blocks per iteration, with each weight's fifth bit from the 32
 * qh bytes (bit 2c for sub-block 2c, 2c + 1 for 2c + 1) widened alongside the nibbles.
 */
final class Q5_KMatVec {
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final int BLOCK_BYTES = 176;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q5_KMatVec() {
    }

    static float dot(MemorySegment w, long off, float[] x, int xOff, float[] xBlockSums, int cols) {
        FloatVector acc = FloatVector.zero(F);
        float mins = 0;
        int L = F.length();
        for (int pair = 0; pair < cols / 64; pair++) {
            long blk = off + (long) BLOCK_BYTES * (pair >> 2);
            int c = pair & 3, j = 2 * c;
            long qs = blk + 48 + 32L * c;
            int xo = xOff + 64 * pair;
            FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
            for (int h = 0; h < 32; h += L) {
                IntVector q = widen(w, qs + h), fifth = widen(w, blk + 16 + h).lanewise(VectorOperators.LSHR, j);
                IntVector ql = q.and(0x0F).or(fifth.and(1).lanewise(VectorOperators.LSHL, 4));
                IntVector qhi = q.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(fifth.and(2).lanewise(VectorOperators.LSHL, 3));
                lo = ((FloatVector) ql.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, xo + h), lo);
                hi = ((FloatVector) qhi.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, xo + 32 + h), hi);
            }
            float d = Float.float16ToFloat(w.get(DequantLayouts.SHORT, blk));
            float dmin = Float.float16ToFloat(w.get(DequantLayouts.SHORT, blk + 2));
            long packed = w.get(LONG, blk + 4);
            int packedHigh = w.get(DequantLayouts.INT, blk + 12);
            int scales = c < 2 ? Q4_KMatVec.lowScales(packed) : Q4_KMatVec.highScales(packed, packedHigh);
            int mins4 = c < 2 ? Q4_KMatVec.lowMins(packed) : Q4_KMatVec.highMins(packed, packedHigh);
            int k = 8 * (j & 3);
            acc = lo.fma(FloatVector.broadcast(F, d * ((scales >>> k) & 0xFF)), acc);
            acc = hi.fma(FloatVector.broadcast(F, d * ((scales >>> (k + 8)) & 0xFF)), acc);
            mins += dmin * (((mins4 >>> k) & 0xFF) * xBlockSums[2 * pair] + ((mins4 >>> (k + 8)) & 0xFF) * xBlockSums[2 * pair + 1]);
        }
        return acc.reduceLanes(VectorOperators.ADD) - mins;
    }

    private static IntVector widen(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(B, w, at, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
    }
}
