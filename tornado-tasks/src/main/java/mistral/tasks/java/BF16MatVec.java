package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import mistral.tasks.kernels.Dequant;
import mistral.tasks.kernels.DequantLayouts;

import static mistral.tasks.java.Simd.F;

/** BF16 to float is a 16-bit left shift, which vectorizes. */
final class BF16MatVec {
    private static final VectorSpecies<Short> S = Simd.WIDE ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;

    private BF16MatVec() {
    }

    static float dot(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(cols); i < bound; i += F.length()) {
            ShortVector bits = ShortVector.fromMemorySegment(S, w, off + 2L * i, ByteOrder.LITTLE_ENDIAN);
            FloatVector wv = ((IntVector) bits.convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = wv.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += Dequant.bf16(w.get(DequantLayouts.SHORT, off + 2L * i)) * x[xOff + i];
        return sum;
    }

    static void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int i = 0;
        for (int bound = F.loopBound(cols); i < bound; i += F.length()) {
            ShortVector bits = ShortVector.fromMemorySegment(S, w, off + 2L * i, ByteOrder.LITTLE_ENDIAN);
            ((IntVector) bits.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < cols; i++) dst[dstOff + i] = Dequant.bf16(w.get(DequantLayouts.SHORT, off + 2L * i));
    }
}
