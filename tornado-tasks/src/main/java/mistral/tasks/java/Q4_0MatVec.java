package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import mistral.tasks.kernels.DequantLayouts;

import static mistral.tasks.java.Simd.F;

/**
 * Q4_0 block: f16 scale d, 16 bytes; byte i holds weight i in its low nibble and weight i + 16 in
 * its high nibble; w = d * (nibble - 8). The nibbles are widened to int lanes first: shifts and
 * masks on int lanes are single instructions, on byte lanes x86 has to emulate them.
 * (Measured on a 14336 x 4096 matrix in cache: 1.6 ms against 2.2 ms for the byte-lane version.)
 */
final class Q4_0MatVec {
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;

    private Q4_0MatVec() {
    }

    /**
     * The -8 offset is folded out of the loop: sum d*(q-8)*x = sum d*(q*x) - 8 * sum d*blockSum(x),
     * with the block sums of x computed once per matvec ({@link #blockSums}).
     */
    static float dot(MemorySegment w, long off, float[] x, int xOff, float[] xBlockSums, int cols) {
        FloatVector acc = FloatVector.zero(F);
        float correction = 0;
        int L = F.length();
        for (int b = 0; b < cols / 32; b++) {
            long block = off + 18L * b;
            int xo = xOff + 32 * b;
            float d = Float.float16ToFloat(w.get(DequantLayouts.SHORT, block));
            FloatVector s = FloatVector.fromArray(F, x, xo).mul(raw(w, block + 2, false))
                    .add(FloatVector.fromArray(F, x, xo + 16).mul(raw(w, block + 2, true)));
            if (L == 8) {
                s = s.add(FloatVector.fromArray(F, x, xo + 8).mul(raw(w, block + 10, false)))
                        .add(FloatVector.fromArray(F, x, xo + 24).mul(raw(w, block + 10, true)));
            }
            acc = s.fma(FloatVector.broadcast(F, d), acc);
            correction += d * xBlockSums[b];
        }
        return acc.reduceLanes(VectorOperators.ADD) - 8 * correction;
    }

    /** Nibbles without the -8 offset, as floats. */
    private static FloatVector raw(MemorySegment w, long bytes, boolean high) {
        IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, bytes, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, I, 0);
        return (FloatVector) (high ? q.lanewise(VectorOperators.LSHR, 4).and(0x0F) : q.and(0x0F)).convertShape(VectorOperators.I2F, F, 0);
    }

    /** Sums of x over each 32-block, into sums[0 .. cols/32). */
    static float[] blockSums(float[] x, int xOff, int cols, float[] sums) {
        for (int b = 0; b < cols / 32; b++) {
            float s = 0;
            for (int i = 0; i < 32; i++) s += x[xOff + 32 * b + i];
            sums[b] = s;
        }
        return sums;
    }

    /** Dequantizes a row into dst (for the prefill matmul, which reuses it for every token). */
    static void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int L = F.length();
        for (int b = 0; b < cols / 32; b++) {
            long block = off + 18L * b;
            int o = dstOff + 32 * b;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(DequantLayouts.SHORT, block)));
            raw(w, block + 2, false).sub(8f).mul(d).intoArray(dst, o);
            raw(w, block + 2, true).sub(8f).mul(d).intoArray(dst, o + 16);
            if (L == 8) {
                raw(w, block + 10, false).sub(8f).mul(d).intoArray(dst, o + 8);
                raw(w, block + 10, true).sub(8f).mul(d).intoArray(dst, o + 24);
            }
        }
    }
}
