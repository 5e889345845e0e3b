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
 * Q6_K decode dot products ({@link mistral.tasks.kernels.KQuants} has the layout). The unit is 16
 * weights, which share one int8 scale: weights 16k..16k+15 of a super-block (k = 8 half + 2 group
 * + part) take their low 4 bits from the low or high nibbles (group 0-1 or 2-3) of ql[64 half +
 * 32 (group & 1) + 16 part ..], their high 2 bits from bits 2 group of qh[32 half + 16 part ..],
 * and scale k.
 */
final class Q6_KMatVec {
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final int BLOCK_BYTES = 210;

    private Q6_KMatVec() {
    }

    static float dot(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector acc = FloatVector.zero(F);
        int L = F.length();
        for (int t = 0; t < cols / 16; t++) {
            long blk = off + (long) BLOCK_BYTES * (t >> 4);
            int k = t & 15, half = k >> 3, group = (k >> 1) & 3, part = k & 1;
            long ql = blk + 64L * half + 32 * (group & 1) + 16 * part, qh = blk + 128 + 32L * half + 16 * part;
            FloatVector s = FloatVector.fromArray(F, x, xOff + 16 * t).mul(weights(w, ql, qh, group));
            if (L == 8) s = s.add(FloatVector.fromArray(F, x, xOff + 16 * t + 8).mul(weights(w, ql + 8, qh + 8, group)));
            float d = Float.float16ToFloat(w.get(DequantLayouts.SHORT, blk + 208));
            acc = s.fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, blk + 192 + k)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** q - 32 for L weights of a group: low 4 bits from ql's nibbles, high 2 from qh. */
    private static FloatVector weights(MemorySegment w, long ql, long qh, int group) {
        IntVector lo = (IntVector) ByteVector.fromMemorySegment(B, w, ql, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
        IntVector hi = (IntVector) ByteVector.fromMemorySegment(B, w, qh, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
        IntVector q = lo.lanewise(VectorOperators.LSHR, 4 * (group >> 1)).and(0x0F)
                .or(hi.lanewise(VectorOperators.LSHR, 2 * group).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
        return (FloatVector) q.convertShape(VectorOperators.I2F, F, 0);
    }
}
