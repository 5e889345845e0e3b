package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import mistral.tasks.TensorType;
import mistral.tasks.kernels.KQuants;

/**
 * Decode dot products over K-quant rows (Q4_K, Q6_K): each 256-weight super-block is dequantized
 * into a per-thread scratch that stays in L1, then dotted with x. Correct first: the dequantization
 * is the scalar reference, so these rows cost several times a Q4_0 row (see README).
 */
final class KQuantMatVec {
    private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[KQuants.QK]);

    private KQuantMatVec() {
    }

    static float dotQ4K(MemorySegment w, long off, float[] x, int xOff, int cols) {
        float[] block = BLOCK.get();
        float sum = 0;
        for (int b = 0; b < cols / KQuants.QK; b++) {
            KQuants.dequantizeQ4K(w, off + TensorType.Q4_K.blockBytes * (long) b, block, 0);
            sum += Simd.dot(block, 0, x, xOff + KQuants.QK * b, KQuants.QK);
        }
        return sum;
    }

    static float dotQ6K(MemorySegment w, long off, float[] x, int xOff, int cols) {
        float[] block = BLOCK.get();
        float sum = 0;
        for (int b = 0; b < cols / KQuants.QK; b++) {
            KQuants.dequantizeQ6K(w, off + TensorType.Q6_K.blockBytes * (long) b, block, 0);
            sum += Simd.dot(block, 0, x, xOff + KQuants.QK * b, KQuants.QK);
        }
        return sum;
    }
}
