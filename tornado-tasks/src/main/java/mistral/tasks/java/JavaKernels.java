package mistral.tasks.java;

import mistral.tasks.graph.KvCacheLayer;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.Dequant;
import mistral.tasks.kernels.ReferenceKernels;

/** The multi-threaded Vector API kernels of the Java backend. */
final class JavaKernels {
    private final ParallelFor parallel;
    private final ThreadLocal<float[]> rowScratch = ThreadLocal.withInitial(() -> new float[0]);

    JavaKernels(ParallelFor parallel) {
        this.parallel = parallel;
    }

    /**
     * One token: each row's dot product dequantizes in registers. Several tokens: each row is
     * dequantized once into a scratch row and reused for every token, so the weights are read once
     * per chunk rather than once per token.
     */
    void matMul(WeightTensor w, float[] x, float[] out, Task.Rows rows, Step s) {
        int first = rows == Task.Rows.LAST ? s.n() - 1 : 0;
        int n = s.n() - first;
        int cols = w.cols();
        long rowBytes = w.rowBytes();
        if (n == 1) {
            RowDot dot = RowDot.of(w.type());
            int xOff = first * cols;
            parallel.range(w.rows(), 16, (start, end) -> {
                for (int r = start; r < end; r++) out[r] = dot.dot(w.data(), r * rowBytes, x, xOff, cols);
            });
            return;
        }
        parallel.range(w.rows(), 4, (start, end) -> {
            float[] row = scratch(cols);
            for (int r = start; r < end; r++) {
                Dequant.row(w.type(), w.data(), r * rowBytes, cols, row, 0);
                for (int t = 0; t < n; t++) out[t * w.rows() + r] = Simd.dot(row, 0, x, (first + t) * cols, cols);
            }
        });
    }

    private float[] scratch(int n) {
        float[] a = rowScratch.get();
        if (a.length < n) {
            a = new float[n];
            rowScratch.set(a);
        }
        return a;
    }

    void rmsNorm(float[] x, float[] weight, float[] out, int dim, float eps, Step s) {
        for (int t = 0; t < s.n(); t++) {
            int o = t * dim;
            float ss = Simd.dot(x, o, x, o, dim);
            float scale = (float) (1.0 / Math.sqrt(ss / dim + eps));
            for (int i = 0; i < dim; i++) out[o + i] = x[o + i] * scale * weight[i];
        }
    }

    /**
     * One (token, head) per work item; a single pass with a running max and rescaled sum (online
     * softmax), so no score array is needed whatever the window.
     */
    void attention(float[] q, float[] k, float[] v, float[] cacheK, float[] cacheV, KvCacheLayer cache,
                   float[] out, int heads, int kvHeads, int headDim, int window, Step s) {
        int kvDim = kvHeads * headDim;
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        parallel.range(s.n() * heads, 1, (start, end) -> {
            for (int item = start; item < end; item++) {
                int t = item / heads, h = item % heads;
                int i = s.pos() + t;
                int qo = (t * heads + h) * headDim;
                int kvo = (h / group) * headDim;
                float max = Float.NEGATIVE_INFINITY, sum = 0f;
                java.util.Arrays.fill(out, qo, qo + headDim, 0f);
                for (int j = ReferenceKernels.windowStart(i, window); j <= i; j++) {
                    boolean cached = j < s.pos();
                    int row = (cached ? j % cache.slots() : j - s.pos()) * kvDim + kvo;
                    float score = Simd.dot(q, qo, cached ? cacheK : k, row, headDim) * scale;
                    if (score > max) {
                        float correction = (float) Math.exp(max - score);
                        sum *= correction;
                        for (int d = 0; d < headDim; d++) out[qo + d] *= correction;
                        max = score;
                    }
                    float p = (float) Math.exp(score - max);
                    sum += p;
                    Simd.axpy(p, cached ? cacheV : v, row, out, qo, headDim);
                }
                float inv = 1f / sum;
                for (int d = 0; d < headDim; d++) out[qo + d] *= inv;
            }
        });
    }

    void swiGlu(float[] gate, float[] up, int hidden, Step s) {
        parallel.range(s.n() * hidden, 4096, (start, end) -> {
            for (int i = start; i < end; i++) gate[i] = ReferenceKernels.silu(gate[i]) * up[i];
        });
    }
}
