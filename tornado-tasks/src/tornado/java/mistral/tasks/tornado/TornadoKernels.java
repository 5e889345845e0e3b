package mistral.tasks.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The model's kernels in Java, JIT-compiled by TornadoVM (KernelContext style: explicit work
 * groups, local memory, barriers). They mirror kernels-opencl/*.cl one for one. Buffers are
 * sized for the plan's chunk capacity; {@code params} = [pos, n] is the only input that changes
 * per run, so work items of tokens t >= n do nothing.
 *
 * Weights: F32 as FloatArray, F16 as its raw bits (ShortArray), Q8_0 and Q4_0 repacked at upload into a
 * float scale per 32-block plus the raw int8 / nibble bytes (the GGUF layout otherwise), BF16
 * widened to float32 (TornadoVM has no cheap bit cast for it).
 */
public final class TornadoKernels {
    /** Work-group size of the reductions (matmul, rmsnorm). */
    public static final int LWS = 32;
    /** Largest head_dim the attention kernel's local arrays hold. */
    public static final int MAX_HEAD_DIM = 256;

    private TornadoKernels() {
    }

    // ---- matmul: one work-group per (row, token); out[t * rows + row] = W[row] . x[t]

    private static float reduce(KernelContext ctx, float[] partial, float value) {
        int lid = ctx.localIdx;
        partial[lid] = value;
        ctx.localBarrier();
        for (int stride = LWS / 2; stride > 0; stride >>= 1) {
            if (lid < stride) partial[lid] += partial[lid + stride];
            ctx.localBarrier();
        }
        return partial[0];
    }

    public static void matmulF32(KernelContext ctx, FloatArray w, FloatArray x, FloatArray out, int rows, int cols, IntArray params, int lastOnly) {
        float[] partial = ctx.allocateFloatLocalArray(LWS);
        int row = ctx.groupIdx, t = ctx.groupIdy, n = params.get(1);
        int tokens = lastOnly == 1 ? 1 : n;
        int xo = (lastOnly == 1 ? n - 1 : t) * cols;
        float sum = 0f;
        if (t < tokens) {
            for (int i = ctx.localIdx; i < cols; i += LWS) sum += w.get(row * cols + i) * x.get(xo + i);
        }
        float total = reduce(ctx, partial, sum);
        if (ctx.localIdx == 0 && t < tokens) out.set(t * rows + row, total);
    }

    /**
     * IEEE half bits to float, exactly, with arithmetic only: F16 weights travel as raw shorts
     * because devices without cl_khr_fp16 (PoCL on the CPU) cannot take HalfFloatArray, and
     * TornadoVM's OpenCL backend does not compile Float.intBitsToFloat.
     */
    public static float halfToFloat(int bits) {
        int h = bits & 0xFFFF;
        float sign = (h & 0x8000) != 0 ? -1f : 1f;
        int exp = (h >> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0) return sign * mant * 5.9604645e-8f; // zero and subnormals: mant * 2^-24
        int e = exp - 15; // 2^e by squaring: every product of powers of two is exact
        float base = e >= 0 ? 2f : 0.5f;
        int k = e >= 0 ? e : -e;
        float scale = 1f;
        for (int b = 0; b < 5; b++) {
            if (((k >> b) & 1) == 1) scale *= base;
            base *= base;
        }
        return sign * scale * (1f + mant / 1024f);
    }

    public static void matmulF16(KernelContext ctx, ShortArray w, FloatArray x, FloatArray out, int rows, int cols, IntArray params, int lastOnly) {
        float[] partial = ctx.allocateFloatLocalArray(LWS);
        int row = ctx.groupIdx, t = ctx.groupIdy, n = params.get(1);
        int tokens = lastOnly == 1 ? 1 : n;
        int xo = (lastOnly == 1 ? n - 1 : t) * cols;
        float sum = 0f;
        if (t < tokens) {
            for (int i = ctx.localIdx; i < cols; i += LWS) sum += halfToFloat(w.get(row * cols + i)) * x.get(xo + i);
        }
        float total = reduce(ctx, partial, sum);
        if (ctx.localIdx == 0 && t < tokens) out.set(t * rows + row, total);
    }

    /** Q8_0: w = d * q, q int8, 32 per block. */
    public static void matmulQ8(KernelContext ctx, FloatArray scales, ByteArray q, FloatArray x, FloatArray out, int rows, int cols,
                                IntArray params, int lastOnly) {
        float[] partial = ctx.allocateFloatLocalArray(LWS);
        int row = ctx.groupIdx, t = ctx.groupIdy, n = params.get(1);
        int tokens = lastOnly == 1 ? 1 : n;
        int xo = (lastOnly == 1 ? n - 1 : t) * cols;
        int blocks = cols / 32;
        float sum = 0f;
        if (t < tokens) {
            for (int b = ctx.localIdx; b < blocks; b += LWS) {
                int base = (row * blocks + b) * 32;
                float s = 0f;
                for (int i = 0; i < 32; i++) s += q.get(base + i) * x.get(xo + b * 32 + i);
                sum += scales.get(row * blocks + b) * s;
            }
        }
        float total = reduce(ctx, partial, sum);
        if (ctx.localIdx == 0 && t < tokens) out.set(t * rows + row, total);
    }

    /** Q4_0: byte i of a block holds weight i (low nibble) and weight i + 16 (high nibble); w = d * (nibble - 8). */
    public static void matmulQ4(KernelContext ctx, FloatArray scales, ByteArray q, FloatArray x, FloatArray out, int rows, int cols,
                                IntArray params, int lastOnly) {
        float[] partial = ctx.allocateFloatLocalArray(LWS);
        int row = ctx.groupIdx, t = ctx.groupIdy, n = params.get(1);
        int tokens = lastOnly == 1 ? 1 : n;
        int xo = (lastOnly == 1 ? n - 1 : t) * cols;
        int blocks = cols / 32;
        float sum = 0f;
        if (t < tokens) {
            for (int b = ctx.localIdx; b < blocks; b += LWS) {
                int base = (row * blocks + b) * 16;
                int xb = xo + b * 32;
                float s = 0f;
                for (int i = 0; i < 16; i++) {
                    int v = q.get(base + i);
                    s += ((v & 0x0F) - 8) * x.get(xb + i) + (((v >> 4) & 0x0F) - 8) * x.get(xb + i + 16);
                }
                sum += scales.get(row * blocks + b) * s;
            }
        }
        float total = reduce(ctx, partial, sum);
        if (ctx.localIdx == 0 && t < tokens) out.set(t * rows + row, total);
    }

    // ---- embedding: one work item per (element, token)

    public static void embedF32(KernelContext ctx, IntArray tokens, FloatArray table, FloatArray out, int dim, IntArray params) {
        int i = ctx.globalIdx, t = ctx.globalIdy;
        if (t < params.get(1)) out.set(t * dim + i, table.get(tokens.get(t) * dim + i));
    }

    public static void embedF16(KernelContext ctx, IntArray tokens, ShortArray table, FloatArray out, int dim, IntArray params) {
        int i = ctx.globalIdx, t = ctx.globalIdy;
        if (t < params.get(1)) out.set(t * dim + i, halfToFloat(table.get(tokens.get(t) * dim + i)));
    }

    public static void embedQ8(KernelContext ctx, IntArray tokens, FloatArray scales, ByteArray q, FloatArray out, int dim, IntArray params) {
        int i = ctx.globalIdx, t = ctx.globalIdy;
        if (t < params.get(1)) {
            int e = tokens.get(t) * dim + i;
            out.set(t * dim + i, scales.get(e / 32) * q.get(e));
        }
    }

    public static void embedQ4(KernelContext ctx, IntArray tokens, FloatArray scales, ByteArray q, FloatArray out, int dim, IntArray params) {
        int i = ctx.globalIdx, t = ctx.globalIdy;
        if (t < params.get(1)) {
            int e = tokens.get(t) * dim + i;
            int block = e / 32, j = e % 32;
            int v = q.get(block * 16 + (j % 16));
            int nibble = j < 16 ? (v & 0x0F) : ((v >> 4) & 0x0F);
            out.set(t * dim + i, scales.get(block) * (nibble - 8));
        }
    }

    // ---- normalization, rotation, element-wise

    /** One work-group per token. */
    public static void rmsnorm(KernelContext ctx, FloatArray x, FloatArray weight, FloatArray out, int dim, float eps, IntArray params) {
        float[] partial = ctx.allocateFloatLocalArray(LWS);
        int t = ctx.groupIdx;
        float ss = 0f;
        if (t < params.get(1)) {
            for (int i = ctx.localIdx; i < dim; i += LWS) ss += x.get(t * dim + i) * x.get(t * dim + i);
        }
        float total = reduce(ctx, partial, ss);
        if (t < params.get(1)) {
            float scale = 1f / TornadoMath.sqrt(total / dim + eps);
            for (int i = ctx.localIdx; i < dim; i += LWS) out.set(t * dim + i, x.get(t * dim + i) * scale * weight.get(i));
        }
    }

    public static void rope(KernelContext ctx, FloatArray x, FloatArray freqs, int heads, int headDim, IntArray params) {
        int pair = ctx.globalIdx, t = ctx.globalIdy;
        if (t < params.get(1)) {
            int i = pair % (headDim / 2);
            float angle = (params.get(0) + t) * freqs.get(i);
            float c = TornadoMath.cos(angle), s = TornadoMath.sin(angle);
            int p = t * heads * headDim + 2 * pair;
            float a = x.get(p), b = x.get(p + 1);
            x.set(p, a * c - b * s);
            x.set(p + 1, a * s + b * c);
        }
    }

    public static void swiglu(KernelContext ctx, FloatArray gate, FloatArray up, int hidden, IntArray params) {
        int i = ctx.globalIdx;
        if (i < params.get(1) * hidden) {
            float g = gate.get(i);
            gate.set(i, g / (1f + TornadoMath.exp(-g)) * up.get(i));
        }
    }

    public static void add(KernelContext ctx, FloatArray x, FloatArray delta, int dim, IntArray params) {
        int i = ctx.globalIdx;
        if (i < params.get(1) * dim) x.set(i, x.get(i) + delta.get(i));
    }

    // ---- attention over the rolling cache (paper, figure 3), as kernels-opencl/attention.cl

    /** One work-group per (head, token), one work item per head dimension; online softmax over tiles of head_dim keys. */
    public static void attention(KernelContext ctx, FloatArray q, FloatArray k, FloatArray v, FloatArray cacheK, FloatArray cacheV,
                                 FloatArray out, int heads, int kvHeads, int headDim, int window, int slots, IntArray params) {
        float[] ql = ctx.allocateFloatLocalArray(MAX_HEAD_DIM);
        float[] scores = ctx.allocateFloatLocalArray(MAX_HEAD_DIM);
        int h = ctx.groupIdx, t = ctx.groupIdy, d = ctx.localIdx;
        int pos = params.get(0), n = params.get(1);
        int i = pos + t;
        int kvDim = kvHeads * headDim;
        int kvOff = (h / (heads / kvHeads)) * headDim;
        float scale = 1f / TornadoMath.sqrt(headDim);
        boolean active = t < n;
        ql[d] = active ? q.get((t * heads + h) * headDim + d) : 0f;
        ctx.localBarrier();
        int lo = window > 0 ? TornadoMath.max(0, i - window + 1) : 0;
        int hi = active ? i : lo - 1; // inactive groups run no tiles (uniform within the group)
        float m = -1e30f, l = 0f, acc = 0f;
        for (int tile = lo; tile <= hi; tile += headDim) {
            int count = TornadoMath.min(headDim, hi - tile + 1);
            if (d < count) {
                int j = tile + d;
                int row = j < pos ? (j % slots) * kvDim + kvOff : (j - pos) * kvDim + kvOff;
                float s = 0f;
                for (int e = 0; e < headDim; e++) s += ql[e] * (j < pos ? cacheK.get(row + e) : k.get(row + e));
                scores[d] = s * scale;
            }
            ctx.localBarrier();
            float tileMax = m;
            for (int u = 0; u < count; u++) tileMax = TornadoMath.max(tileMax, scores[u]);
            float correction = TornadoMath.exp(m - tileMax);
            l *= correction;
            acc *= correction;
            for (int u = 0; u < count; u++) {
                int j = tile + u;
                float p = TornadoMath.exp(scores[u] - tileMax);
                l += p;
                int row = j < pos ? (j % slots) * kvDim + kvOff : (j - pos) * kvDim + kvOff;
                acc += p * (j < pos ? cacheV.get(row + d) : v.get(row + d));
            }
            m = tileMax;
            ctx.localBarrier();
        }
        if (active) out.set((t * heads + h) * headDim + d, acc / l);
    }

    /** Only the last `slots` positions of a longer chunk survive, so earlier ones are skipped. */
    public static void kvStore(KernelContext ctx, FloatArray k, FloatArray v, FloatArray cacheK, FloatArray cacheV, int kvDim, int slots,
                               IntArray params) {
        int e = ctx.globalIdx, t = ctx.globalIdy;
        int pos = params.get(0), n = params.get(1);
        if (t < n && t >= n - slots) {
            int dst = ((pos + t) % slots) * kvDim + e;
            cacheK.set(dst, k.get(t * kvDim + e));
            cacheV.set(dst, v.get(t * kvDim + e));
        }
    }
}
