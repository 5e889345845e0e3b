package mistral.tasks.java;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import mistral.tasks.graph.KvCacheLayer;
import mistral.tasks.graph.Step;
import mistral.tasks.kernels.ReferenceKernels;

import static mistral.tasks.java.Simd.F;

/**
 * Windowed grouped-query attention over the rolling cache, in two passes as in the reference:
 * the scores and their softmax (exp on vectors), then the probability-weighted sum of the value
 * rows. A chunk of tokens is split over threads by (token, KV head), so the query heads sharing a
 * KV head reuse each key row from L1; one decoded token is split by rows instead ({@link #decode}).
 * The per-head online softmax with a scalar exp per key that this replaced took 789 us per layer
 * at depth 512 in a 7B decode (2 threads, this project's VM); this takes about 225 in a
 * microbenchmark over 32 layers' caches (310 before the group-of-4 decode kernels).
 */
final class GroupedAttention {
    /** Consecutive key/value rows: the cache up to its wrap, the cache after it, this chunk's own. */
    private record Run(float[] keys, float[] values, int firstRow, int count) {
    }

    /** Per-thread scores of one (token, KV head) item of a chunk. */
    private final ThreadLocal<float[]> chunkScores = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * The rows a query at position i attends to, in position order, as at most three runs: the
     * cached positions (rolling slots, so split where the slot index wraps to 0), then the
     * positions of the current chunk, which are not yet stored in the cache.
     */
    private static Run[] runs(int from, int i, Step.Segment g, KvCacheLayer cache, float[] cacheK, float[] cacheV, float[] k, float[] v) {
        Run[] runs = new Run[3];
        int n = 0;
        int base = cache.base(g.sequence());
        int cachedEnd = Math.min(i + 1, g.pos());
        for (int j = from; j < cachedEnd; ) {
            int slot = j % cache.slots();
            int count = Math.min(cachedEnd - j, cache.slots() - slot);
            runs[n++] = new Run(cacheK, cacheV, base + slot, count);
            j += count;
        }
        int chunkStart = Math.max(from, g.pos());
        if (chunkStart <= i) runs[n++] = new Run(k, v, g.first() + chunkStart - g.pos(), i - chunkStart + 1);
        return java.util.Arrays.copyOf(runs, n);
    }

    /** Each segment of the step over its own sequence's cache: one-token segments split by rows, longer ones by (token, KV head). */
    void run(ParallelFor parallel, float[] q, float[] k, float[] v, float[] cacheK, float[] cacheV, KvCacheLayer cache,
             float[] out, int heads, int kvHeads, int headDim, int window, Step s) {
        for (Step.Segment g : s.segments()) {
            if (g.n() == 1) decode(parallel, q, k, v, cacheK, cacheV, cache, out, heads, kvHeads, headDim, window, g);
            else chunk(parallel, q, k, v, cacheK, cacheV, cache, out, heads, kvHeads, headDim, window, g);
        }
    }

    private void chunk(ParallelFor parallel, float[] q, float[] k, float[] v, float[] cacheK, float[] cacheV, KvCacheLayer cache,
                       float[] out, int heads, int kvHeads, int headDim, int window, Step.Segment g) {
        int group = heads / kvHeads;
        parallel.range(g.n() * kvHeads, 1, (start, end) -> {
            for (int item = start; item < end; item++) {
                int t = g.first() + item / kvHeads, kvHead = item % kvHeads;
                int i = g.position(t);
                int from = ReferenceKernels.windowStart(i, window);
                int span = i - from + 1;
                Run[] runs = runs(from, i, g, cache, cacheK, cacheV, k, v);
                float[] p = scratch(group * span);
                int firstQ = (t * heads + kvHead * group) * headDim;
                scores(q, firstQ, group, runs, cache.kvDim(), kvHead * headDim, headDim, p, span);
                for (int h = 0; h < group; h++) {
                    softmax(p, h * span, span);
                    weightedValues(p, h * span, runs, cache.kvDim(), kvHead * headDim, headDim, out, firstQ + h * headDim);
                }
            }
        });
    }

    /** Rows per thread below which splitting one token's window over threads does not pay. */
    private static final int MIN_ROWS_PER_PART = 64;

    /**
     * One token (decode): the threads split the window's rows rather than the KV heads, so each
     * reads whole cache rows (every KV head, 4 KiB in Mistral 7B) front to back instead of 512
     * bytes per 4 KiB row: 370 against 240 us per layer at depth 512 (microbenchmark over 32
     * layers' caches, 2 threads). Each part sums its rows' values into its own partial output.
     * All vector work runs inside {@link ParallelFor} bodies (see {@link JavaKernels}).
     */
    private void decode(ParallelFor parallel, float[] q, float[] k, float[] v, float[] cacheK, float[] cacheV, KvCacheLayer cache,
                        float[] out, int heads, int kvHeads, int headDim, int window, Step.Segment g) {
        int i = g.pos();
        int from = ReferenceKernels.windowStart(i, window);
        int span = i - from + 1;
        Run[] runs = runs(from, i, g, cache, cacheK, cacheV, k, v);
        int parts = Math.max(1, Math.min(parallel.threads(), span / MIN_ROWS_PER_PART));
        int qDim = heads * headDim;
        int qOff = g.first() * qDim;
        if (decodeScores.length < heads * span) decodeScores = new float[heads * span];
        if (partials.length < parts * qDim) partials = new float[parts * qDim];
        float[] p = decodeScores, partial = partials;
        boolean groupOf4 = heads == 4 * kvHeads && headDim % F.length() == 0;
        if (groupOf4) { // separate lambdas: one kernel per compiled method
            parallel.range(parts, 1, (a, b) -> {
                for (int part = a; part < b; part++) {
                    rowScoresGroupOf4(q, qOff, kvHeads, headDim, runs, cache.kvDim(), span * part / parts, span * (part + 1) / parts, p, span);
                }
            });
        } else {
            parallel.range(parts, 1, (a, b) -> {
                for (int part = a; part < b; part++) {
                    rowScores(q, qOff, heads, kvHeads, headDim, runs, cache.kvDim(), span * part / parts, span * (part + 1) / parts, p, span);
                }
            });
        }
        parallel.range(heads, 8, (a, b) -> {
            for (int h = a; h < b; h++) softmax(p, h * span, span);
        });
        if (groupOf4) {
            parallel.range(parts, 1, (a, b) -> {
                for (int part = a; part < b; part++) {
                    java.util.Arrays.fill(partial, part * qDim, (part + 1) * qDim, 0f);
                    rowValuesGroupOf4(p, kvHeads, headDim, runs, cache.kvDim(), span * part / parts, span * (part + 1) / parts, span,
                            partial, part * qDim);
                }
            });
        } else {
            parallel.range(parts, 1, (a, b) -> {
                for (int part = a; part < b; part++) {
                    java.util.Arrays.fill(partial, part * qDim, (part + 1) * qDim, 0f);
                    rowValues(p, heads, kvHeads, headDim, runs, cache.kvDim(), span * part / parts, span * (part + 1) / parts, span,
                            partial, part * qDim);
                }
            });
        }
        parallel.range(qDim, 1024, (a, b) -> {
            System.arraycopy(partial, a, out, qOff + a, b - a);
            for (int part = 1; part < parts; part++) Simd.axpy(1f, partial, part * qDim + a, out, qOff + a, b - a);
        });
    }

    private float[] decodeScores = new float[0], partials = new float[0];

    /** p[h * span + j] for every head and rows j in [lo, hi) of the window. */
    private static void rowScores(float[] q, int qOff, int heads, int kvHeads, int headDim, Run[] runs, int kvDim, int lo, int hi, float[] p, int span) {
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int group = heads / kvHeads;
        int runStart = 0;
        for (Run run : runs) {
            for (int j = Math.max(lo, runStart), end = Math.min(hi, runStart + run.count()); j < end; j++) {
                int row = (run.firstRow() + j - runStart) * kvDim;
                for (int g = 0, h = 0; g < kvHeads; g++) {
                    for (int end2 = h + group; h < end2; h++) p[h * span + j] = Simd.dot(q, qOff + h * headDim, run.keys(), row + g * headDim, headDim) * scale;
                }
            }
            runStart += run.count();
        }
    }

    /**
     * {@link #rowScores} for groups of four query heads per KV head (Mistral 7B: 32 / 8) and a
     * head size of whole vectors: each key vector is loaded once for the four heads' dot products.
     */
    private static void rowScoresGroupOf4(float[] q, int qOff, int kvHeads, int headDim, Run[] runs, int kvDim, int lo, int hi, float[] p, int span) {
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int runStart = 0;
        for (Run run : runs) {
            float[] keys = run.keys();
            for (int j = Math.max(lo, runStart), end = Math.min(hi, runStart + run.count()); j < end; j++) {
                int row = (run.firstRow() + j - runStart) * kvDim;
                for (int g = 0; g < kvHeads; g++) {
                    int ko = row + g * headDim, qo = qOff + 4 * g * headDim;
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                    for (int d = 0; d < headDim; d += F.length()) {
                        FloatVector k = FloatVector.fromArray(F, keys, ko + d);
                        a0 = FloatVector.fromArray(F, q, qo + d).fma(k, a0);
                        a1 = FloatVector.fromArray(F, q, qo + headDim + d).fma(k, a1);
                        a2 = FloatVector.fromArray(F, q, qo + 2 * headDim + d).fma(k, a2);
                        a3 = FloatVector.fromArray(F, q, qo + 3 * headDim + d).fma(k, a3);
                    }
                    int h = 4 * g;
                    p[h * span + j] = a0.reduceLanes(VectorOperators.ADD) * scale;
                    p[(h + 1) * span + j] = a1.reduceLanes(VectorOperators.ADD) * scale;
                    p[(h + 2) * span + j] = a2.reduceLanes(VectorOperators.ADD) * scale;
                    p[(h + 3) * span + j] = a3.reduceLanes(VectorOperators.ADD) * scale;
                }
            }
            runStart += run.count();
        }
    }

    /**
     * {@link #rowValues} for groups of four query heads per KV head and a head size of whole
     * vectors: each value vector is loaded once and added into the four heads' sums.
     */
    private static void rowValuesGroupOf4(float[] p, int kvHeads, int headDim, Run[] runs, int kvDim, int lo, int hi, int span,
                                          float[] acc, int accOff) {
        int runStart = 0;
        for (Run run : runs) {
            float[] vals = run.values();
            for (int j = Math.max(lo, runStart), end = Math.min(hi, runStart + run.count()); j < end; j += VALUE_ROWS) {
                int rows = Math.min(VALUE_ROWS, end - j);
                int row = (run.firstRow() + j - runStart) * kvDim;
                for (int g = 0; g < kvHeads; g++) {
                    int vo = row + g * headDim, po = 4 * g * span + j, ao = accOff + 4 * g * headDim;
                    for (int d = 0; d < headDim; d += F.length()) {
                        FloatVector a0 = FloatVector.fromArray(F, acc, ao + d), a1 = FloatVector.fromArray(F, acc, ao + headDim + d);
                        FloatVector a2 = FloatVector.fromArray(F, acc, ao + 2 * headDim + d), a3 = FloatVector.fromArray(F, acc, ao + 3 * headDim + d);
                        for (int r = 0; r < rows; r++) {
                            FloatVector v = FloatVector.fromArray(F, vals, vo + r * kvDim + d);
                            a0 = v.fma(FloatVector.broadcast(F, p[po + r]), a0);
                            a1 = v.fma(FloatVector.broadcast(F, p[po + span + r]), a1);
                            a2 = v.fma(FloatVector.broadcast(F, p[po + 2 * span + r]), a2);
                            a3 = v.fma(FloatVector.broadcast(F, p[po + 3 * span + r]), a3);
                        }
                        a0.intoArray(acc, ao + d);
                        a1.intoArray(acc, ao + headDim + d);
                        a2.intoArray(acc, ao + 2 * headDim + d);
                        a3.intoArray(acc, ao + 3 * headDim + d);
                    }
                }
            }
            runStart += run.count();
        }
    }

    /** Rows whose values are summed in registers before a head's partial output is updated. */
    private static final int VALUE_ROWS = 8;

    /**
     * acc[h] += p[h][j] * value_j for every head and rows j in [lo, hi) of the window, a block of
     * {@link #VALUE_ROWS} rows at a time: each accumulator vector is loaded and stored once per
     * block instead of once per row (a load-add-store per row and vector: 190 against 105 us per layer for this pass).
     */
    private static void rowValues(float[] p, int heads, int kvHeads, int headDim, Run[] runs, int kvDim, int lo, int hi, int span,
                                  float[] acc, int accOff) {
        int group = heads / kvHeads;
        int lanes = F.length();
        int runStart = 0;
        for (Run run : runs) {
            float[] vals = run.values();
            for (int j = Math.max(lo, runStart), end = Math.min(hi, runStart + run.count()); j < end; j += VALUE_ROWS) {
                int rows = Math.min(VALUE_ROWS, end - j);
                int row = (run.firstRow() + j - runStart) * kvDim;
                for (int h = 0; h < heads; h++) {
                    int vo = row + h / group * headDim, po = h * span + j, ao = accOff + h * headDim;
                    int d = 0;
                    for (; d + lanes <= headDim; d += lanes) {
                        FloatVector a = FloatVector.fromArray(F, acc, ao + d);
                        for (int r = 0; r < rows; r++) {
                            a = FloatVector.fromArray(F, vals, vo + r * kvDim + d).fma(FloatVector.broadcast(F, p[po + r]), a);
                        }
                        a.intoArray(acc, ao + d);
                    }
                    for (; d < headDim; d++) {
                        for (int r = 0; r < rows; r++) acc[ao + d] += p[po + r] * vals[vo + r * kvDim + d];
                    }
                }
            }
            runStart += run.count();
        }
    }

    /** Grows by at least half, as a chunk's spans grow by one key per token. */
    private float[] scratch(int n) {
        float[] a = chunkScores.get();
        if (a.length < n) {
            a = new float[Math.max(n, a.length + a.length / 2)];
            chunkScores.set(a);
        }
        return a;
    }

    /** p[h * span + j] = q_h . key_j / sqrt(headDim) for the group's heads; key row j loaded once for all of them. */
    private static void scores(float[] q, int firstQ, int group, Run[] runs, int kvDim, int kvOff, int headDim, float[] p, int span) {
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int j = 0;
        for (Run run : runs) {
            for (int r = 0; r < run.count(); r++, j++) {
                int ko = (run.firstRow() + r) * kvDim + kvOff;
                for (int h = 0; h < group; h++) p[h * span + j] = Simd.dot(q, firstQ + h * headDim, run.keys(), ko, headDim) * scale;
            }
        }
    }

    /**
     * p[off..off+n) = exp(p - max) / sum, in place. The max is a scalar loop: with a vector max,
     * in about one 7B decode run in four C2 left the MAX intrinsic out (JFR: the Java fallback of
     * VectorSupport.binaryOp under FloatVector.max) and attention took 1.6-2.6 ms per layer
     * instead of 0.3.
     */
    static void softmax(float[] p, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, p[off + j]);
        int bound = F.loopBound(n);
        int i = 0;
        FloatVector sumV = FloatVector.zero(F);
        for (; i < bound; i += F.length()) {
            FloatVector e = FloatVector.fromArray(F, p, off + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(p, off + i);
            sumV = sumV.add(e);
        }
        float sum = sumV.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            p[off + i] = (float) Math.exp(p[off + i] - max);
            sum += p[off + i];
        }
        for (i = 0; i < bound; i += F.length()) FloatVector.fromArray(F, p, off + i).div(sum).intoArray(p, off + i);
        for (; i < n; i++) p[off + i] /= sum;
    }

    /**
     * out[outOff..+headDim) = sum_j p_j value_j. Four vectors of the head at a time, each over all
     * rows, so four independent FMA chains run while the row's slice is loaded once.
     */
    private static void weightedValues(float[] p, int pOff, Run[] runs, int kvDim, int kvOff, int headDim, float[] out, int outOff) {
        int lanes = F.length();
        int d = 0;
        for (; d + 4 * lanes <= headDim; d += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int j = pOff;
            for (Run run : runs) {
                float[] vals = run.values();
                for (int r = 0, vo = run.firstRow() * kvDim + kvOff + d; r < run.count(); r++, j++, vo += kvDim) {
                    FloatVector pj = FloatVector.broadcast(F, p[j]);
                    a0 = FloatVector.fromArray(F, vals, vo).fma(pj, a0);
                    a1 = FloatVector.fromArray(F, vals, vo + lanes).fma(pj, a1);
                    a2 = FloatVector.fromArray(F, vals, vo + 2 * lanes).fma(pj, a2);
                    a3 = FloatVector.fromArray(F, vals, vo + 3 * lanes).fma(pj, a3);
                }
            }
            a0.intoArray(out, outOff + d);
            a1.intoArray(out, outOff + d + lanes);
            a2.intoArray(out, outOff + d + 2 * lanes);
            a3.intoArray(out, outOff + d + 3 * lanes);
        }
        for (; d + lanes <= headDim; d += lanes) {
            FloatVector a = FloatVector.zero(F);
            int j = pOff;
            for (Run run : runs) {
                float[] vals = run.values();
                for (int r = 0, vo = run.firstRow() * kvDim + kvOff + d; r < run.count(); r++, j++, vo += kvDim) {
                    a = FloatVector.fromArray(F, vals, vo).fma(FloatVector.broadcast(F, p[j]), a);
                }
            }
            a.intoArray(out, outOff + d);
        }
        for (; d < headDim; d++) {
            float acc = 0f;
            int j = pOff;
            for (Run run : runs) {
                for (int r = 0, vo = run.firstRow() * kvDim + kvOff + d; r < run.count(); r++, j++, vo += kvDim) acc += p[j] * run.values()[vo];
            }
            out[outOff + d] = acc;
        }
    }
}
