package mistral.tasks.kernels;

import mistral.tasks.graph.KvCacheLayer;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.WeightTensor;

/**
 * Plain-Java, single-threaded versions of every kernel: the math as the paper and llama2.c write
 * it. Backends are tested against these.
 */
public final class ReferenceKernels {
    private ReferenceKernels() {
    }

    public static void embed(int[] tokens, WeightTensor table, float[] out, Step s) {
        for (int t = 0; t < s.n(); t++) {
            int id = tokens[t];
            if (id < 0 || id >= table.rows()) {
                throw new IllegalArgumentException("token id " + id + " out of range [0, " + table.rows() + ")");
            }
            Dequant.row(table.type(), table.data(), id * table.rowBytes(), table.cols(), out, t * table.cols());
        }
    }

    public static void rmsNorm(float[] x, float[] weight, float[] out, int dim, float eps, Step s) {
        for (int t = 0; t < s.n(); t++) {
            int o = t * dim;
            float ss = 0f;
            for (int i = 0; i < dim; i++) ss += x[o + i] * x[o + i];
            float scale = (float) (1.0 / Math.sqrt(ss / dim + eps));
            for (int i = 0; i < dim; i++) out[o + i] = x[o + i] * scale * weight[i];
        }
    }

    public static float[] weightRow(WeightTensor w, int row) {
        float[] r = new float[w.cols()];
        Dequant.row(w.type(), w.data(), row * w.rowBytes(), w.cols(), r, 0);
        return r;
    }

    /** Rows ALL: out[t] = w . x[t] for every token. Rows LAST: out[i] = w . x[last token of segment i]. */
    public static void matMul(WeightTensor w, float[] x, float[] out, Task.Rows rows, Step s) {
        int[] tokens = rowTokens(rows, s);
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            Dequant.row(w.type(), w.data(), r * w.rowBytes(), w.cols(), row, 0);
            for (int o = 0; o < tokens.length; o++) {
                int t = tokens[o];
                float sum = 0f;
                for (int i = 0; i < w.cols(); i++) sum += row[i] * x[t * w.cols() + i];
                out[o * w.rows() + r] = sum;
            }
        }
    }

    /** The chunk tokens a matmul's output rows come from, in output order. */
    public static int[] rowTokens(Task.Rows rows, Step s) {
        if (rows == Task.Rows.ALL) return java.util.stream.IntStream.range(0, s.n()).toArray();
        return s.segments().stream().mapToInt(g -> g.first() + g.n() - 1).toArray();
    }

    /** theta^(-2i/headDim) for each pair i, in float32 like the reference's torch code. */
    public static float[] ropeFrequencies(float theta, int headDim) {
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) f[i] = 1f / (float) Math.pow(theta, (float) (2 * i) / headDim);
        return f;
    }

    public static void rope(float[] x, float[] freqs, int heads, int headDim, Step s) {
        for (Step.Segment g : s.segments()) {
            for (int t = g.first(); t < g.first() + g.n(); t++) ropeToken(x, freqs, heads, headDim, t, g.position(t));
        }
    }

    private static void ropeToken(float[] x, float[] freqs, int heads, int headDim, int t, int pos) {
        for (int h = 0; h < heads; h++) {
            int o = (t * heads + h) * headDim;
            for (int i = 0; i < headDim; i += 2) {
                float angle = pos * freqs[i / 2];
                float c = (float) Math.cos(angle), sn = (float) Math.sin(angle);
                float a = x[o + i], b = x[o + i + 1];
                x[o + i] = a * c - b * sn;
                x[o + i + 1] = a * sn + b * c;
            }
        }
    }

    /** First position a query at position i may attend to. */
    public static int windowStart(int i, int window) {
        return window > 0 ? Math.max(0, i - window + 1) : 0;
    }

    /** Each segment's queries over its own sequence's cache rows and its own chunk tokens. */
    public static void attention(float[] q, float[] k, float[] v, float[] cacheK, float[] cacheV, KvCacheLayer cache,
                                 float[] out, int heads, int kvHeads, int headDim, int window, Step s) {
        int kvDim = kvHeads * headDim;
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (Step.Segment g : s.segments()) {
            int base = cache.base(g.sequence()), pos = g.pos();
            for (int t = g.first(); t < g.first() + g.n(); t++) {
                int i = g.position(t);
                int lo = windowStart(i, window);
                for (int h = 0; h < heads; h++) {
                    int qo = (t * heads + h) * headDim;
                    int kvo = (h / group) * headDim;
                    float[] att = new float[i - lo + 1];
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = lo; j <= i; j++) {
                        float[] keys = j < pos ? cacheK : k;
                        int ko = (j < pos ? base + j % cache.slots() : g.first() + j - pos) * kvDim + kvo;
                        float dot = 0f;
                        for (int d = 0; d < headDim; d++) dot += q[qo + d] * keys[ko + d];
                        att[j - lo] = dot * scale;
                        max = Math.max(max, att[j - lo]);
                    }
                    float sum = 0f;
                    for (int j = 0; j < att.length; j++) {
                        att[j] = (float) Math.exp(att[j] - max);
                        sum += att[j];
                    }
                    for (int d = 0; d < headDim; d++) out[qo + d] = 0f;
                    for (int j = lo; j <= i; j++) {
                        float[] vals = j < pos ? cacheV : v;
                        int vo = (j < pos ? base + j % cache.slots() : g.first() + j - pos) * kvDim + kvo;
                        float p = att[j - lo] / sum;
                        for (int d = 0; d < headDim; d++) out[qo + d] += p * vals[vo + d];
                    }
                }
            }
        }
    }

    /** Each segment into its sequence's slots; only the last {@code slots} positions of a chunk can survive in the cache. */
    public static void kvStore(float[] k, float[] v, float[] cacheK, float[] cacheV, KvCacheLayer cache, Step s) {
        int kvDim = cache.kvDim();
        for (Step.Segment g : s.segments()) {
            int base = cache.base(g.sequence());
            for (int t = Math.max(0, g.n() - cache.slots()); t < g.n(); t++) {
                int slot = base + (g.pos() + t) % cache.slots();
                System.arraycopy(k, (g.first() + t) * kvDim, cacheK, slot * kvDim, kvDim);
                System.arraycopy(v, (g.first() + t) * kvDim, cacheV, slot * kvDim, kvDim);
            }
        }
    }

    public static float silu(float x) {
        return (float) (x / (1.0 + Math.exp(-x)));
    }

    public static void swiGlu(float[] gate, float[] up, int hidden, Step s) {
        for (int i = 0; i < s.n() * hidden; i++) gate[i] = silu(gate[i]) * up[i];
    }

    public static void add(float[] x, float[] delta, int dim, Step s) {
        for (int i = 0; i < s.n() * dim; i++) x[i] += delta[i];
    }
}
