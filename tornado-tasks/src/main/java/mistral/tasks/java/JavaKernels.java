package mistral.tasks.java;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import mistral.tasks.TensorType;
import mistral.tasks.graph.KvCacheLayer;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.Q4_0X4;
import mistral.tasks.kernels.ReferenceKernels;

/**
 * The multi-threaded Vector API kernels of the Java backend. Every kernel's vector code runs in a
 * {@link ParallelFor} body, never directly in the executor's call chain: the body call is
 * megamorphic, so C2 compiles each body on its own. Inlined into the executor's task loop, a
 * kernel sat past C2's inlining node budget in some runs and some Vector API calls stayed out of
 * line (boxed vectors): decode attention took 2.1-2.6 ms per layer instead of 0.3 in 2 of 6 runs.
 */
final class JavaKernels {
    private final ParallelFor parallel;
    private final ThreadLocal<float[]> rowScratch = ThreadLocal.withInitial(() -> new float[0]);
    /** Block sums of the activation for the decode kernels that need them; matmuls run one at a time, so one array serves. */
    private float[] blockSums = new float[0];
    /**
     * x in {@link Q4_0X4}'s lane order, in a 64-byte aligned segment, and the array it is gathered
     * in; its per-lane sums ({@link Q4_0X4MatVec#laneSums}) likewise.
     */
    private MemorySegment permuted = MemorySegment.NULL, laneTerms = MemorySegment.NULL;
    private float[] laneTermsArray = new float[0];
    /** A prefill chunk's x with the tokens in the lanes ({@link Gemm#tokensInLanes}). */
    private float[] laneTokens = new float[0];
    private float[] permutedArray = new float[0], permutedRows = new float[0], lastRows = new float[0];
    private final GroupedAttention attention = new GroupedAttention();

    JavaKernels(ParallelFor parallel) {
        this.parallel = parallel;
    }

    /** Rows dequantized together in the prefill matmul: 16 x 4096 floats stay in L2. */
    private static final int ROW_BLOCK = 16;
    /**
     * Rows dequantized together in the tokens-in-lanes GEMM: 32 rows (512 KiB at 4096 columns)
     * stay in L2 beside a token group's x, and each group's x comes from L3 half as often as with
     * 16 (measured with -XX:UseAVX=2 and the rows interleaved four by four, 14336 x 4096 at 128
     * tokens, 2 threads: 8, 16, 32 and 64 rows 117, 134, 143 and 143 GFLOP/s).
     */
    private static final int LANE_ROW_BLOCK = 32;

    /**
     * One token: each row's dot product dequantizes in registers. Several tokens: a block of rows
     * is dequantized once per chunk and multiplied with the tokens four rows by four tokens at a
     * time, so every weight is read once per chunk and each loaded vector feeds several FMAs.
     */
    void matMul(WeightTensor w, float[] x, float[] out, Task.Rows rows, Step s) {
        int cols = w.cols();
        int first = rows == Task.Rows.LAST ? s.n() - 1 : 0;
        int n = s.n() - first;
        if (rows == Task.Rows.LAST && s.segments().size() > 1) {
            x = lastRows(x, s, cols);
            first = 0;
            n = s.segments().size();
        }
        if (n == 1) {
            matVec(w, x, first * cols, out);
            return;
        }
        if (n <= fewTokens(w.type())) {
            matVecTokens(w, x, first, n, out);
            return;
        }
        float[] xs = x;
        int xFirst = first;
        if (FastDequant.inLaneOrder(w.type())) {
            xs = permutedRows(x, first * cols, n, cols, w.type());
            xFirst = 0;
        }
        gemm(w, xs, xFirst, n, out);
    }

    /**
     * out = w . x for n tokens of x from token {@code first}: blocks of rows dequantized once, four
     * rows by four tokens per tile; {@link Gemm#LANE_TOKENS} tokens or more take {@link #gemmTokensInLanes}.
     */
    private void gemm(WeightTensor w, float[] x, int first, int n, float[] out) {
        if (n >= Gemm.LANE_TOKENS && w.cols() <= Gemm.ROW_STRIDE) {
            gemmTokensInLanes(w, x, first, n, out);
            return;
        }
        int cols = w.cols();
        long rowBytes = w.rowBytes();
        int blocks = (w.rows() + ROW_BLOCK - 1) / ROW_BLOCK;
        parallel.range(blocks, 1, (start, end) -> {
            float[] rowsScratch = scratch(ROW_BLOCK * cols);
            for (int b = start; b < end; b++) {
                int r0 = b * ROW_BLOCK, nr = Math.min(ROW_BLOCK, w.rows() - r0);
                for (int r = 0; r < nr; r++) FastDequant.row(w.type(), w.data(), (r0 + r) * rowBytes, cols, rowsScratch, r * cols);
                for (int t = 0; t < n; t += 4) {
                    int nt = Math.min(4, n - t);
                    for (int r = 0; r < nr; r += 4) {
                        int mr = Math.min(4, nr - r);
                        if (mr == 4 && cols % Simd.F.length() == 0) {
                            Gemm.tile4x4(rowsScratch, r * cols, x, (first + t) * cols, cols, out, t * w.rows() + r0 + r, w.rows(), nt);
                        } else {
                            for (int i = 0; i < mr; i++) {
                                for (int j = 0; j < nt; j++) {
                                    out[(t + j) * w.rows() + r0 + r + i] = Simd.dot(rowsScratch, (r + i) * cols, x, (first + t + j) * cols, cols);
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * The GEMM of a chunk: x with {@link Gemm#LANE_TOKENS} tokens in the lanes ({@link Gemm#tokensInLanes}),
     * and each block of rows dequantized {@link Gemm#ROW_STRIDE} floats apart for {@link Gemm#tile4x16}
     * (256 bits) or {@link Gemm#tile8x32} (512 bits).
     */
    private void gemmTokensInLanes(WeightTensor w, float[] x, int first, int n, float[] out) {
        int cols = w.cols(), rows = w.rows(), lanes = Gemm.LANE_TOKENS, tileRows = Gemm.LANE_TILE_ROWS;
        long rowBytes = w.rowBytes();
        if (laneTokens.length < Gemm.lanesSize(n, cols)) laneTokens = new float[Gemm.lanesSize(n, cols)];
        float[] xt = laneTokens;
        Gemm.tokensInLanes(x, first, n, cols, xt);
        int blocks = (rows + LANE_ROW_BLOCK - 1) / LANE_ROW_BLOCK;
        parallel.range(blocks, 1, (start, end) -> {
            float[] scratch = scratch(LANE_ROW_BLOCK * Gemm.ROW_STRIDE), sums = new float[tileRows * lanes];
            for (int b = start; b < end; b++) {
                int r0 = b * LANE_ROW_BLOCK, nr = Math.min(LANE_ROW_BLOCK, rows - r0);
                for (int r = 0; r < nr; r++) FastDequant.row(w.type(), w.data(), (r0 + r) * rowBytes, cols, scratch, r * Gemm.ROW_STRIDE);
                for (int t = 0; t < n; t += lanes) {
                    for (int r = 0; r < nr; r += tileRows) {
                        int tr = Math.min(tileRows, nr - r), tt = Math.min(lanes, n - t), o = t * rows + r0 + r;
                        if (Simd.WIDE) Gemm.tile8x32(scratch, r * Gemm.ROW_STRIDE, tr, xt, t * cols, cols, out, o, rows, tt, sums);
                        else Gemm.tile4x16(scratch, r * Gemm.ROW_STRIDE, tr, xt, t * cols, cols, out, o, rows, tt, sums);
                    }
                }
            }
        });
    }

    /**
     * One token, one kernel per weight layout, each called from its own lambda: C2 compiles each
     * lambda on its own, so no compiled method holds two kernels (past its inlining budget, Vector
     * API calls stay out of line). Where x outgrows L1, the layouts in Q4_0_X4's lane order (Q4_0_X4,
     * Q4_K_X4 and Q4_K_X4_S8, Q5_K_X4) run one column block at a time.
     */
    private void matVec(WeightTensor w, float[] x, int xOff, float[] out) {
        int cols = w.cols();
        long rowBytes = w.rowBytes();
        MemorySegment m = w.data();
        switch (w.type()) {
            case Q4_0 -> {
                float[] sums = xBlockSums(x, xOff, cols);
                parallel.range(w.rows(), 16, (start, end) -> {
                    for (int r = start; r < end; r++) out[r] = Q4_0MatVec.dot(m, r * rowBytes, x, xOff, sums, cols);
                });
            }
            case Q4_K -> {
                float[] sums = xBlockSums(x, xOff, cols);
                parallel.range(w.rows(), 16, (start, end) -> {
                    for (int r = start; r < end; r++) out[r] = Q4_KMatVec.dot(m, r * rowBytes, x, xOff, sums, cols);
                });
            }
            case Q5_K -> {
                float[] sums = xBlockSums(x, xOff, cols);
                parallel.range(w.rows(), 16, (start, end) -> {
                    for (int r = start; r < end; r++) out[r] = Q5_KMatVec.dot(m, r * rowBytes, x, xOff, sums, cols);
                });
            }
            case Q4_0_X4 -> {
                MemorySegment xp = permuted(x, xOff, 1, cols, TensorType.Q4_0_X4);
                MemorySegment bias = Simd.WIDE ? MemorySegment.NULL : laneTerms;
                parallel.range(w.rows(), pairChunk(w), (start, end) -> Q4_0X4MatVec.matVec(m, w.rows(), cols, start, end, xp, bias, out));
            }
            case Q4_K_X4, Q4_K_X4_S8 -> {
                MemorySegment xp = permuted(x, xOff, 1, cols, w.type()), negSums = laneTerms;
                parallel.range(w.rows(), pairChunk(w), (start, end) -> Q4_KX4MatVec.matVec(m, w.type(), w.rows(), cols, start, end, xp, negSums, out));
            }
            case Q5_K_X4 -> {
                MemorySegment xp = permuted(x, xOff, 1, cols, TensorType.Q5_K_X4), negSums = laneTerms;
                parallel.range(w.rows(), pairChunk(w), (start, end) -> Q5_KX4MatVec.matVec(m, w.rows(), cols, start, end, xp, negSums, out));
            }
            case Q6_K_I8, Q8_0_X16 -> {
                LaneBlocksMatVec.Group g = LaneBlocksMatVec.group(w.type());
                float[] xp = permutedRows(x, xOff, 1, cols, w.type());
                parallel.range(w.rows(), 16, (start, end) -> LaneBlocksMatVec.matVec(m, rowBytes, start, end, xp, cols, g, out));
            }
            default -> {
                RowDot dot = RowDot.of(w.type());
                parallel.range(w.rows(), 16, (start, end) -> {
                    for (int r = start; r < end; r++) out[r] = dot.dot(m, r * rowBytes, x, xOff, cols);
                });
            }
        }
    }

    /**
     * The grain of a matvec over a layout in Q4_0_X4's lane order: with 256-bit vectors, whose
     * kernels take a pair's rows one after the other, {@link RowPairs#chunk} for the bytes of a row
     * of the first column block; else 16 rows. The two-row loops (512 bits, and Q6_K_I8 and
     * Q8_0_X16 on 256) went both ways with it, -XX:UseAVX=2: Q6_K_I8 4096 x 4096 16.3-16.7 ->
     * 17.5-17.7 GB/s but 32000 x 4096 16.0-16.5 -> 14.3-14.7, Q8_0_X16 4096 x 4096 16.8-17.6 -> 15.7-16.3.
     */
    private int pairChunk(WeightTensor w) {
        if (Simd.WIDE) return 16;
        return RowPairs.chunk(w.rows(), parallel.threads(), w.type().bytesFor(Math.min(w.cols(), Q4_0X4.COLUMN_BLOCK)));
    }

    /**
     * Up to this many tokens (a batched decode step) a matmul streams the quantized rows as the
     * matvec does ({@link #matVecTokens}); more go to the GEMM, which dequantizes a block of rows
     * once per chunk. JMH, 14336x4096, 2 threads: Q4_0_X4 512-bit, 4 tokens 157 and 180 matvecs/s
     * against the GEMM's 133 and 146, 8 tokens 88 and 77 against 98 and 97; -XX:UseAVX=2 (a matvec
     * per token over rows from L1, since the 256-bit loop lost its bounds checks; 2026-12-02 harness),
     * 3 tokens 104-111 against 59-61, 4 tokens 81-93 against 72-103; the 7B's batched decode
     * (bench --parallel 3,4, alternating builds) 2.39-2.43 against 1.37-1.54 tok/s at 3 sequences but
     * 2.45-2.47 against 2.93-3.16 at 4, so 256-bit vectors take up to 3. Other types, 2 tokens as two matvecs against the
     * GEMM, alternating processes: Q8_0 97 and 161 against 91 and 97, Q4_K_X4 137 and 193 against
     * 104 and 108; -XX:UseAVX=2, Q8_0 160 and 134 against 76 and 74, Q4_K_X4 143 and 87 against 62 and 62.
     */
    static int fewTokens(TensorType type) {
        return type != TensorType.Q4_0_X4 ? 2 : Simd.WIDE ? 4 : 3;
    }

    /**
     * out[t] = w . x[first + t] for n <= {@link #fewTokens} tokens: Q4_0_X4's kernel unpacks each
     * weight vector once for several tokens; other types run a matvec per token.
     */
    private void matVecTokens(WeightTensor w, float[] x, int first, int n, float[] out) {
        int cols = w.cols(), rows = w.rows();
        if (w.type() != TensorType.Q4_0_X4) {
            if (tokenRow.length < rows) tokenRow = new float[rows];
            for (int t = 0; t < n; t++) {
                matVec(w, x, (first + t) * cols, tokenRow);
                System.arraycopy(tokenRow, 0, out, t * rows, rows);
            }
            return;
        }
        MemorySegment m = w.data(), xp = permuted(x, first * cols, n, cols, TensorType.Q4_0_X4), bias = Simd.WIDE ? MemorySegment.NULL : laneTerms;
        parallel.range(rows, 16, (start, end) -> Q4_0X4MatVec.matVecTokens(m, rows, cols, start, end, xp, bias, n, out));
    }

    private float[] tokenRow = new float[0];

    /** Sums of x over each 32-block (Q4_0's offset and the K-quants' mins come out through them). */
    private float[] xBlockSums(float[] x, int xOff, int cols) {
        if (blockSums.length < cols / 32) blockSums = new float[cols / 32];
        return Q4_0MatVec.blockSums(x, xOff, cols, blockSums);
    }

    /**
     * n tokens of x from float xOff, each in {@link Q4_0X4}'s lane order, side by side, 64-byte
     * aligned (a heap array's alignment is whatever the allocation gave: 512-bit loads straddling
     * cache lines halved the matvec's speed in the runs where it landed so), for a layout in that
     * order: for Q4_0_X4 with 256-bit vectors each token {@link Q4_0X4MatVec#prepareNarrow prepared},
     * its bias terms in laneTerms; for the Q4_K and Q5_K layouts its -sum(x) per lane there, and x scaled
     * for the fields masked in place (Q4_K_X4_S8, which only 256-bit vectors read, and Q5_K_X4). Matmuls run one
     * at a time, so one segment serves.
     */
    private MemorySegment permuted(float[] x, int xOff, int n, int cols, TensorType layout) {
        int floats = n * cols;
        if (permutedArray.length < floats) {
            permutedArray = new float[floats];
            permuted = Arena.ofAuto().allocate(4L * floats, 64);
            laneTermsArray = new float[floats / 8];
            laneTerms = Arena.ofAuto().allocate(4L * (floats / 8), 64);
        }
        boolean kQuant = layout != TensorType.Q4_0_X4, terms = kQuant || !Simd.WIDE, scaled = !Simd.WIDE || layout == TensorType.Q5_K_X4;
        for (int t = 0; t < n; t++) {
            Q4_0X4.permute(x, xOff + t * cols, cols, permutedArray, t * cols);
            if (terms) Q4_0X4MatVec.laneSums(permutedArray, t * cols, cols, kQuant ? -1 : -8, laneTermsArray, t * cols / 8);
            if (scaled) Q4_0X4MatVec.scaleForNibblesInPlace(permutedArray, t * cols, cols);
        }
        if (terms) MemorySegment.copy(laneTermsArray, 0, laneTerms, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, floats / 8);
        MemorySegment.copy(permutedArray, 0, permuted, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, floats);
        return permuted;
    }

    /** The last token's row of each segment, side by side (the rows a batched step takes logits of). */
    private float[] lastRows(float[] x, Step s, int cols) {
        int m = s.segments().size();
        if (lastRows.length < m * cols) lastRows = new float[m * cols];
        for (int i = 0; i < m; i++) {
            Step.Segment g = s.segments().get(i);
            System.arraycopy(x, (g.first() + g.n() - 1) * cols, lastRows, i * cols, cols);
        }
        return lastRows;
    }

    /** n rows of x from float xOff, each in the lane order of the layout ({@link LaneBlocksMatVec}'s or {@link Q4_0X4}'s). */
    private float[] permutedRows(float[] x, int xOff, int n, int cols, TensorType layout) {
        if (permutedRows.length < n * cols) permutedRows = new float[n * cols];
        LaneBlocksMatVec.Group g = LaneBlocksMatVec.inLanes(layout) ? LaneBlocksMatVec.group(layout) : null;
        for (int t = 0; t < n; t++) {
            if (g != null) LaneBlocksMatVec.permute(x, xOff + t * cols, cols, g, permutedRows, t * cols);
            else Q4_0X4.permute(x, xOff + t * cols, cols, permutedRows, t * cols);
        }
        return permutedRows;
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
        parallel.range(s.n(), 1, (start, end) -> {
            for (int t = start; t < end; t++) rmsNormRow(x, weight, out, t * dim, dim, eps);
        });
    }

    private static void rmsNormRow(float[] x, float[] weight, float[] out, int o, int dim, float eps) {
        float ss = Simd.dot(x, o, x, o, dim);
        float scale = (float) (1.0 / Math.sqrt(ss / dim + eps));
        int i = 0;
        for (int bound = Simd.F.loopBound(dim); i < bound; i += Simd.F.length()) {
            FloatVector.fromArray(Simd.F, x, o + i).mul(scale).mul(FloatVector.fromArray(Simd.F, weight, i)).intoArray(out, o + i);
        }
        for (; i < dim; i++) out[o + i] = x[o + i] * scale * weight[i];
    }

    void attention(float[] q, float[] k, float[] v, float[] cacheK, float[] cacheV, KvCacheLayer cache,
                   float[] out, int heads, int kvHeads, int headDim, int window, Step s) {
        attention.run(parallel, q, k, v, cacheK, cacheV, cache, out, heads, kvHeads, headDim, window, s);
    }

    /**
     * cos and sin of (position x frequency) for the step's positions: the same for q and k of
     * every layer, so computed once per step instead of 64 times (decode spent 1.5 ms a token on
     * them). Same float expressions as the reference, so the same values.
     */
    private float[] ropeCos = new float[0], ropeSin = new float[0];
    private float[] ropeFreqs;
    private Step ropeStep;

    void rope(float[] x, float[] freqs, int heads, int headDim, Step s) {
        int half = headDim / 2;
        if (freqs != ropeFreqs || s != ropeStep) {
            if (ropeCos.length < s.n() * half) {
                ropeCos = new float[s.n() * half];
                ropeSin = new float[s.n() * half];
            }
            for (Step.Segment g : s.segments()) {
                for (int t = g.first(); t < g.first() + g.n(); t++) {
                    for (int i = 0; i < half; i++) {
                        float angle = g.position(t) * freqs[i];
                        ropeCos[t * half + i] = (float) Math.cos(angle);
                        ropeSin[t * half + i] = (float) Math.sin(angle);
                    }
                }
            }
            ropeFreqs = freqs;
            ropeStep = s;
        }
        for (int t = 0; t < s.n(); t++) {
            for (int h = 0; h < heads; h++) {
                int o = (t * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float c = ropeCos[t * half + i], sn = ropeSin[t * half + i];
                    float a = x[o + 2 * i], b = x[o + 2 * i + 1];
                    x[o + 2 * i] = a * c - b * sn;
                    x[o + 2 * i + 1] = a * sn + b * c;
                }
            }
        }
    }

    void swiGlu(float[] gate, float[] up, int hidden, Step s) {
        parallel.range(s.n() * hidden, 4096, (start, end) -> {
            int i = start;
            for (int bound = start + Simd.F.loopBound(end - start); i < bound; i += Simd.F.length()) {
                FloatVector g = FloatVector.fromArray(Simd.F, gate, i);
                g.div(g.neg().lanewise(VectorOperators.EXP).add(1f)).mul(FloatVector.fromArray(Simd.F, up, i)).intoArray(gate, i);
            }
            for (; i < end; i++) gate[i] = ReferenceKernels.silu(gate[i]) * up[i];
        });
    }
}
