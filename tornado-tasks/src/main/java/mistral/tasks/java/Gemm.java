package mistral.tasks.java;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static mistral.tasks.java.Simd.F;

/**
 * The prefill micro-kernels: 4 weight rows x 4 tokens with 16 accumulators in registers (a chunk
 * of fewer tokens than {@link #LANE_TOKENS}), and with the tokens in the lanes 4 rows x 16 tokens
 * (256 bits) or 8 rows x 32 tokens (512 bits).
 */
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

    /**
     * Tokens per group of x in the lanes, two vectors' worth: 16 for {@link #tile4x16} (256 bits),
     * 32 for {@link #tile8x32} (512 bits); a GEMM of fewer tokens takes {@link #tile4x4}.
     */
    static final int LANE_TOKENS = 2 * F.length();
    /** Rows per tile of x in the lanes: 4 with 16 ymm registers, 8 with 32 zmm registers. */
    static final int LANE_TILE_ROWS = Simd.WIDE ? 8 : 4;

    /** Floats {@link #tokensInLanes} writes for n tokens of cols columns. */
    static int lanesSize(int n, int cols) {
        return (n + LANE_TOKENS - 1) / LANE_TOKENS * LANE_TOKENS * cols;
    }

    /**
     * x with L = {@link #LANE_TOKENS} tokens in the lanes: xt[L cols g + L k + j] = x[(first + L g + j) cols + k]
     * for token L g + j below n, 0 past n (the last group's empty lanes). xt holds {@link #lanesSize}.
     */
    static void tokensInLanes(float[] x, int first, int n, int cols, float[] xt) {
        int groups = (n + LANE_TOKENS - 1) / LANE_TOKENS;
        for (int t = 0; t < groups * LANE_TOKENS; t++) {
            int base = t / LANE_TOKENS * LANE_TOKENS * cols + t % LANE_TOKENS, src = (first + t) * cols;
            for (int k = 0; k < cols; k++) xt[base + LANE_TOKENS * k] = t < n ? x[src + k] : 0f;
        }
    }

    /**
     * Floats from one dequantized row to the next in the tiles' scratch. A constant, so that a
     * column's 4 (8) weights are one index plus constant displacements in the compiled loop; a
     * stride of cols took a register and an address computation per row (27 instructions a column
     * against 23 for tile4x16). It fits Mistral 7B's widest rows (the down projection's 14336
     * columns); the 16 more keep the rows off a multiple of 4 KiB apart.
     */
    static final int ROW_STRIDE = 14336 + 16;

    /**
     * out[j * outStride + i] = row i . token j for i below rows (1..4) and j below tokens (1..16),
     * row i at w[wOff + i {@link #ROW_STRIDE}], and xt from {@link #tokensInLanes} at the group's
     * offset xtOff. Per column: two vectors of 16 tokens' x, the four rows' weights broadcast, 8
     * FMAs into 8 accumulators (16 ymm registers hold them with no spill, and the sums need no
     * horizontal reduction). Rows past rows are read and not stored. sums is scratch of 64 floats.
     */
    static void tile4x16(float[] w, int wOff, int rows, float[] xt, int xtOff, int cols, float[] out, int outOff, int outStride, int tokens,
                         float[] sums) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int k = 0; k < cols; k++) {
            int xk = xtOff + 16 * k, wk = wOff + k;
            FloatVector x0 = FloatVector.fromArray(F, xt, xk), x1 = FloatVector.fromArray(F, xt, xk + 8);
            FloatVector b = FloatVector.broadcast(F, w[wk]);
            c00 = x0.fma(b, c00);
            c01 = x1.fma(b, c01);
            b = FloatVector.broadcast(F, w[wk + ROW_STRIDE]);
            c10 = x0.fma(b, c10);
            c11 = x1.fma(b, c11);
            b = FloatVector.broadcast(F, w[wk + 2 * ROW_STRIDE]);
            c20 = x0.fma(b, c20);
            c21 = x1.fma(b, c21);
            b = FloatVector.broadcast(F, w[wk + 3 * ROW_STRIDE]);
            c30 = x0.fma(b, c30);
            c31 = x1.fma(b, c31);
        }
        // through an array (sums, 4 x 16 floats, the caller's): vectors kept in a Vector[] made C2 box
        // them and run the whole method in the fallback
        c00.intoArray(sums, 0);
        c01.intoArray(sums, 8);
        c10.intoArray(sums, 16);
        c11.intoArray(sums, 24);
        c20.intoArray(sums, 32);
        c21.intoArray(sums, 40);
        c30.intoArray(sums, 48);
        c31.intoArray(sums, 56);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < tokens; j++) out[outOff + j * outStride + i] = sums[16 * i + j];
        }
    }

    /**
     * The 512-bit tile: out[j * outStride + i] = row i . token j for i below rows (1..8) and j below
     * tokens (1..32), row i at w[wOff + i {@link #ROW_STRIDE}], and xt from {@link #tokensInLanes}
     * with 32 tokens in the lanes. Per column: two vectors of 16 tokens' x, eight weights
     * broadcast, 16 FMAs into 16 accumulators (26 of the 32 zmm registers). Rows past rows are read
     * and not stored. sums is scratch of 256 floats.
     */
    static void tile8x32(float[] w, int wOff, int rows, float[] xt, int xtOff, int cols, float[] out, int outOff, int outStride, int tokens,
                         float[] sums) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
                c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int k = 0; k < cols; k++) {
            int xk = xtOff + 32 * k, wk = wOff + k;
            FloatVector x0 = FloatVector.fromArray(F, xt, xk), x1 = FloatVector.fromArray(F, xt, xk + 16);
            FloatVector b = FloatVector.broadcast(F, w[wk]);
            c00 = x0.fma(b, c00);
            c01 = x1.fma(b, c01);
            b = FloatVector.broadcast(F, w[wk + ROW_STRIDE]);
            c10 = x0.fma(b, c10);
            c11 = x1.fma(b, c11);
            b = FloatVector.broadcast(F, w[wk + 2 * ROW_STRIDE]);
            c20 = x0.fma(b, c20);
            c21 = x1.fma(b, c21);
            b = FloatVector.broadcast(F, w[wk + 3 * ROW_STRIDE]);
            c30 = x0.fma(b, c30);
            c31 = x1.fma(b, c31);
            b = FloatVector.broadcast(F, w[wk + 4 * ROW_STRIDE]);
            c40 = x0.fma(b, c40);
            c41 = x1.fma(b, c41);
            b = FloatVector.broadcast(F, w[wk + 5 * ROW_STRIDE]);
            c50 = x0.fma(b, c50);
            c51 = x1.fma(b, c51);
            b = FloatVector.broadcast(F, w[wk + 6 * ROW_STRIDE]);
            c60 = x0.fma(b, c60);
            c61 = x1.fma(b, c61);
            b = FloatVector.broadcast(F, w[wk + 7 * ROW_STRIDE]);
            c70 = x0.fma(b, c70);
            c71 = x1.fma(b, c71);
        }
        c00.intoArray(sums, 0);
        c01.intoArray(sums, 16);
        c10.intoArray(sums, 32);
        c11.intoArray(sums, 48);
        c20.intoArray(sums, 64);
        c21.intoArray(sums, 80);
        c30.intoArray(sums, 96);
        c31.intoArray(sums, 112);
        c40.intoArray(sums, 128);
        c41.intoArray(sums, 144);
        c50.intoArray(sums, 160);
        c51.intoArray(sums, 176);
        c60.intoArray(sums, 192);
        c61.intoArray(sums, 208);
        c70.intoArray(sums, 224);
        c71.intoArray(sums, 240);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < tokens; j++) out[outOff + j * outStride + i] = sums[32 * i + j];
        }
    }

    /** One token's results for the tile's 4 rows: out[o + i] = the sum of row i's accumulator. */
    private static void store(float[] out, int o, FloatVector r0, FloatVector r1, FloatVector r2, FloatVector r3) {
        out[o] = r0.reduceLanes(VectorOperators.ADD);
        out[o + 1] = r1.reduceLanes(VectorOperators.ADD);
        out[o + 2] = r2.reduceLanes(VectorOperators.ADD);
        out[o + 3] = r3.reduceLanes(VectorOperators.ADD);
    }
}
