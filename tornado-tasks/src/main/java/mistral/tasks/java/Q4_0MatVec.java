package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import mistral.tasks.kernels.DequantLayouts;

import static mistral.tasks.java.Simd.F;

/**
 * Q4_0 block: f16 scale d, 16 bytes; byte i holds weight i in its low nibble and weight i + 16 in
 * its high nibble; w = d * (nibble - 8).
 */
final class Q4_0MatVec {
    private Q4_0MatVec() {
    }

    static float dot(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long block = off + 18L * b;
            int xo = xOff + 32 * b;
            float d = Float.float16ToFloat(w.get(DequantLayouts.SHORT, block));
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, block + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            FloatVector s;
            if (Simd.WIDE) {
                s = FloatVector.fromArray(F, x, xo).mul((FloatVector) lo.castShape(F, 0))
                        .add(FloatVector.fromArray(F, x, xo + 16).mul((FloatVector) hi.castShape(F, 0)));
            } else {
                s = FloatVector.fromArray(F, x, xo).mul((FloatVector) lo.castShape(F, 0))
                        .add(FloatVector.fromArray(F, x, xo + 8).mul((FloatVector) lo.castShape(F, 1)))
                        .add(FloatVector.fromArray(F, x, xo + 16).mul((FloatVector) hi.castShape(F, 0)))
                        .add(FloatVector.fromArray(F, x, xo + 24).mul((FloatVector) hi.castShape(F, 1)));
            }
            acc = s.fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
