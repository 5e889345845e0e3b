package mistral.tasks.java;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The float vector shape the kernels use: 512 bits where the CPU has them, else 256. */
final class Simd {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    static final boolean WIDE = F.length() == 16;
    /** Columns from which x (4 bytes each) and a row's weights no longer fit a 48 KiB L1 data cache together. */
    static final int L1_COLS = 8192;

    private Simd() {
    }

    /** Sum of x[xOff..xOff+n) * y[yOff..yOff+n). */
    static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.fromArray(F, y, yOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += x[xOff + i] * y[yOff + i];
        return sum;
    }

    /** y[yOff..] += a * x[xOff..], n elements. */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector av = FloatVector.broadcast(F, a);
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += a * x[xOff + i];
    }
}
