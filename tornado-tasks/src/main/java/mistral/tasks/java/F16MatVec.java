package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import mistral.tasks.kernels.DequantLayouts;

/** The Vector API has no half-float lanes to convert from, so this one is scalar with four sums. */
final class F16MatVec {
    private F16MatVec() {
    }

    static float dot(MemorySegment w, long off, float[] x, int xOff, int cols) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < cols; i += 4) {
            long o = off + 2L * i;
            s0 += Float.float16ToFloat(w.get(DequantLayouts.SHORT, o)) * x[xOff + i];
            s1 += Float.float16ToFloat(w.get(DequantLayouts.SHORT, o + 2)) * x[xOff + i + 1];
            s2 += Float.float16ToFloat(w.get(DequantLayouts.SHORT, o + 4)) * x[xOff + i + 2];
            s3 += Float.float16ToFloat(w.get(DequantLayouts.SHORT, o + 6)) * x[xOff + i + 3];
        }
        for (; i < cols; i++) s0 += Float.float16ToFloat(w.get(DequantLayouts.SHORT, off + 2L * i)) * x[xOff + i];
        return (s0 + s1) + (s2 + s3);
    }
}
