package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import mistral.tasks.kernels.DequantLayouts;

import static mistral.tasks.java.Simd.F;

/** Q8_0 block: f16 scale d, 32 int8 q; w = d * q. Widens the bytes to floats in registers. */
final class Q8_0MatVec {
    private Q8_0MatVec() {
    }

    static float dot(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long block = off + 34L * b;
            int xo = xOff + 32 * b;
            float d = Float.float16ToFloat(w.get(DequantLayouts.SHORT, block));
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, w, block + 2, ByteOrder.LITTLE_ENDIAN);
            FloatVector s;
            if (Simd.WIDE) {
                s = FloatVector.fromArray(F, x, xo).mul((FloatVector) q.castShape(F, 0))
                        .add(FloatVector.fromArray(F, x, xo + 16).mul((FloatVector) q.castShape(F, 1)));
            } else {
                s = FloatVector.fromArray(F, x, xo).mul((FloatVector) q.castShape(F, 0))
                        .add(FloatVector.fromArray(F, x, xo + 8).mul((FloatVector) q.castShape(F, 1)))
                        .add(FloatVector.fromArray(F, x, xo + 16).mul((FloatVector) q.castShape(F, 2)))
                        .add(FloatVector.fromArray(F, x, xo + 24).mul((FloatVector) q.castShape(F, 3)));
            }
            acc = s.fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int L = F.length();
        for (int b = 0; b < cols / 32; b++) {
            long block = off + 34L * b;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(DequantLayouts.SHORT, block)));
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, w, block + 2, ByteOrder.LITTLE_ENDIAN);
            for (int part = 0; part < 32 / L; part++) {
                ((FloatVector) q.castShape(F, part)).mul(d).intoArray(dst, dstOff + 32 * b + part * L);
            }
        }
    }
}
