package mistral.tasks.java;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static mistral.tasks.java.Simd.F;

/** The prefill micro-kernel: 4 weight rows x 4 tokens, 16 accumulators in registers. */
final class Gemm {
    private Gemm() {
    }

    /**
     * out[j * outStride + i] = w[wOff + i*cols ..] . x[xOff + j*cols ..] for i, j in 0..3.
     * cols must be a multiple of the vector length (it is a multiple of 32 for every model).
     */
    static void tile4x4(float[] w, int wOff, float[] x, int xOff, int cols, float[] out, int outOff, int outStride) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
                c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int L = F.length();
        for (int k = 0; k < cols; k += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + k), w1 = FloatVector.fromArray(F, w, wOff + cols + k),
                    w2 = FloatVector.fromArray(F, w, wOff + 2 * cols + k), w3 = FloatVector.fromArray(F, w, wOff + 3 * cols + k);
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + k);
            c00 = w0.fma(x0, c00); c10 = w1.fma(x0, c10); c20 = w2.fma(x0, c20); c30 = w3.fma(x0, c30);
            FloatVector x1 = FloatVector.fromArray(F, x, xOff + cols + k);
            c01 = w0.fma(x1, c01); c11 = w1.fma(x1, c11); c21 = w2.fma(x1, c21); c31 = w3.fma(x1, c31);
            FloatVector x2 = FloatVector.fromArray(F, x, xOff + 2 * cols + k);
            c02 = w0.fma(x2, c02); c12 = w1.fma(x2, c12); c22 = w2.fma(x2, c22); c32 = w3.fma(x2, c32);
            FloatVector x3 = FloatVector.fromArray(F, x, xOff + 3 * cols + k);
            c03 = w0.fma(x3, c03); c13 = w1.fma(x3, c13); c23 = w2.fma(x3, c23); c33 = w3.fma(x3, c33);
        }
        out[outOff] = c00.reduceLanes(VectorOperators.ADD);
        out[outOff + 1] = c10.reduceLanes(VectorOperators.ADD);
        out[outOff + 2] = c20.reduceLanes(VectorOperators.ADD);
        out[outOff + 3] = c30.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride] = c01.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride + 1] = c11.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride + 2] = c21.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride + 3] = c31.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride] = c02.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride + 1] = c12.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride + 2] = c22.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride + 3] = c32.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride] = c03.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride + 1] = c13.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride + 2] = c23.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride + 3] = c33.reduceLanes(VectorOperators.ADD);
    }
}
