package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import mistral.tasks.kernels.DequantLayouts;

import static mistral.tasks.java.Simd.F;

final class F32MatVec {
    private F32MatVec() {
    }

    static float dot(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(cols); i < bound; i += F.length()) {
            FloatVector wv = FloatVector.fromMemorySegment(F, w, off + 4L * i, ByteOrder.LITTLE_ENDIAN);
            acc = wv.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += w.get(DequantLayouts.FLOAT, off + 4L * i) * x[xOff + i];
        return sum;
    }
}
