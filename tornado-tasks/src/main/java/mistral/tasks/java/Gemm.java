package mistral.tasks.java;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static mistral.tasks.java.Simd.F;

/** The prefill micro-kernel: 4 weight rows x 4 tokens, 16 accumulators in registers. */
final class Gemm {
    private Gemm() {
    }

    /**
     * out[j * outStride + i] = w[wOff + i*cols ..] . x[xOff + j*cols ..] for i in 0..3 and j below
     * tokens (1..4). With fewer than 4 tokens the last one fills the tile's other columns: its
     * result is computed again and stored again in its own place, the same number, so a chunk whose
     * token count is not a multiple of 4 still runs the tile (3-token matmuls/s of 14336 x 4096, 2
     * threads, by per-token dot products against the tile: Q8_0 74 against 133, Q4_K_X4 80 against 119).
     * cols must be a multiple of the vector length (it is a multiple of 32 for every model).
     */
    static void tile4x4(float[] w, int wOff, float[] x, int xOff, int cols, float[] out, int outOff, int outStride, int tokens) {
        int j1 = Math.min(1, tokens - 1), j2 = Math.min(2, tokens - 1), j3 = Math.min(3, tokens - 1);
        int x1Off = xOff + j1 * cols, x2Off = xOff + j2 * cols, x3Off = xOff + j3 * cols;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
                c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int L = F.length();
        for (int k = 0; k < cols; k += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + k), w1 = FloatVector.fromArray(F, w, wOff + cols + k),
                    w2 = FloatVector.fromArray(F, w, wOff + 2 * cols + k), w3 = FloatVector.fromArray(F, w, wOff + 3 * cols + k);
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + k);
            c00 = w0.fma(x0, c00); c10 = w1.fma(x0, c10); c20 = w2.fma(x0, c20); c30 = w3.fma(x0, c30);
            FloatVector x1 = FloatVector.fromArray(F, x, x1Off + k);
            c01 = w0.fma(x1, c01); c11 = w1.fma(x1, c11); c21 = w2.fma(x1, c21); c31 = w3.fma(x1, c31);
            FloatVector x2 = FloatVector.fromArray(F, x, x2Off + k);
            c02 = w0.fma(x2, c02); c12 = w1.fma(x2, c12); c22 = w2.fma(x2, c22); c32 = w3.fma(x2, c32);
            FloatVector x3 = FloatVector.fromArray(F, x, x3Off + k);
            c03 = w0.fma(x3, c03); c13 = w1.fma(x3, c13); c23 = w2.fma(x3, c23); c33 = w3.fma(x3, c33);
        }
        store(out, outOff, c00, c10, c20, c30);
        store(out, outOff + j1 * outStride, c01, c11, c21, c31);
        store(out, outOff + j2 * outStride, c02, c12, c22, c32);
        store(out, outOff + j3 * outStride, c03, c13, c23, c33);
    }

    /** One token's results for the tile's 4 rows: out[o + i] = the sum of row i's accumulator. */
    private static void store(float[] out, int o, FloatVector r0, FloatVector r1, FloatVector r2, FloatVector r3) {
        out[o] = r0.reduceLanes(VectorOperators.ADD);
        out[o + 1] = r1.reduceLanes(VectorOperators.ADD);
        out[o + 2] = r2.reduceLanes(VectorOperators.ADD);
        out[o + 3] = r3.reduceLanes(VectorOperators.ADD);
    }
}
