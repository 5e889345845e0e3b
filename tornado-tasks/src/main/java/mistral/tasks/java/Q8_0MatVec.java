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
            FloatVector s;
            if (Simd.WIDE) {
                ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, w, block + 2, ByteOrder.LITTLE_ENDIAN);
                s = FloatVector.fromArray(F, x, xo).mul((FloatVector) q.castShape(F, 0))
                        .add(FloatVector.fromArray(F, x, xo + 16).mul((FloatVector) q.castShape(F, 1)));
            } else {
                // 8 bytes at a time widen straight to 8 floats (one sign-extend, one convert); part 1-3 of a
                // 256-bit byte vector would need a lane shuffle first
                s = FloatVector.fromArray(F, x, xo).mul(bytes8(w, block + 2))
                        .add(FloatVector.fromArray(F, x, xo + 8).mul(bytes8(w, block + 10)))
                        .add(FloatVector.fromArray(F, x, xo + 16).mul(bytes8(w, block + 18)))
                        .add(FloatVector.fromArray(F, x, xo + 24).mul(bytes8(w, block + 26)));
            }
            acc = s.fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** 8 int8 weights as 8 floats. */
    private static FloatVector bytes8(MemorySegment w, long off) {
        return (FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, off, ByteOrder.LITTLE_ENDIAN).castShape(F, 0);
    }

    static void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int L = F.length();
        for (int b = 0; b < cols / 32; b++) {
            long block = off + 34L * b;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(DequantLayouts.SHORT, block)));
            if (Simd.WIDE) {
                ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, w, block + 2, ByteOrder.LITTLE_ENDIAN);
                for (int part = 0; part < 2; part++) ((FloatVector) q.castShape(F, part)).mul(d).intoArray(dst, dstOff + 32 * b + part * L);
            } else {
                for (int part = 0; part < 4; part++) bytes8(w, block + 2 + 8L * part).mul(d).intoArray(dst, dstOff + 32 * b + part * L);
            }
        }
    }
}
