package mistral.tasks.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import mistral.tasks.RandomWeights;
import mistral.tasks.TensorType;
import mistral.tasks.graph.F32Buffer;
import mistral.tasks.graph.KvCacheLayer;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task.Rows;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.Dequant;
import mistral.tasks.kernels.Quantize;
import mistral.tasks.kernels.ReferenceKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The fast Vector API kernels against the plain-Java references. */
class JavaKernelsTest {
    static final ParallelFor PARALLEL = new ParallelFor(2);
    static final JavaKernels FAST = new JavaKernels(PARALLEL);

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    static void assertClose(float[] expected, float[] actual, int n, double rel, String what) {
        double scale = 0;
        for (int i = 0; i < n; i++) scale = Math.max(scale, Math.abs(expected[i]));
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], actual[i], rel * Math.max(1, scale), what + " at " + i);
        }
    }

    /**
     * Tolerance: both sides dequantize to the same floats; only the summation order differs, so
     * the error is float rounding over 544 terms: 1e-5 of the largest output.
     */
    @ParameterizedTest
    @EnumSource(TensorType.class)
    void matMulEqualsReference(TensorType type) {
        Assumptions.assumeTrue(runsAtThisWidth(type), type + " is the other vector width's layout");
        // odd row count, a tail for the vector loop in float types; Q4_0_X4 takes whole 128-groups, K-quants 256
        int rows = 67, cols = type == TensorType.Q4_0_X4 ? 640 : type == TensorType.Q8_0_X16 ? 1536 : type.isKQuant() || type == TensorType.Q4_K_X4 || type == TensorType.Q4_K_X4_S8 || type == TensorType.Q5_K_X4 || type == TensorType.Q6_K_I8 ? 768 : 544;
        WeightTensor w = RandomWeights.tensor("w", type, rows, cols, 1);
        // a batched decode's few tokens (whole and partial groups of 4 and 2), a GEMM's, and the tokens-in-lanes
        // GEMM's (a whole and a partial group of 16 tokens at 256 bits, of 32 at 512)
        for (int n : new int[] {1, 2, 3, 4, 5, 8, 9, 16, 21, 32, 45}) {
            float[] x = RandomWeights.floats(new Random(2), n * cols, 1f);
            float[] expected = new float[n * rows], actual = new float[n * rows];
            ReferenceKernels.matMul(w, x, expected, Rows.ALL, new Step(0, n));
            FAST.matMul(w, x, actual, Rows.ALL, new Step(0, n));
            assertClose(expected, actual, n * rows, 1e-5, type + " n=" + n);
            float[] last = new float[rows];
            FAST.matMul(w, x, last, Rows.LAST, new Step(0, n));
            float[] expectedLast = new float[rows];
            System.arraycopy(expected, (n - 1) * rows, expectedLast, 0, rows);
            assertClose(expectedLast, last, rows, 1e-5, type + " last");
        }
    }

    /** Rows wider than one column block (8448 columns: two blocks of 4096 and one of 256), one token, a few and a chunk. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_0_X4", "Q4_K_X4", "Q4_K_X4_S8", "Q5_K_X4"})
    void wideColumnBlockRowsEqualReference(TensorType type) {
        Assumptions.assumeTrue(runsAtThisWidth(type), type + " is the other vector width's layout");
        int rows = 37, cols = Simd.L1_COLS + 256;
        WeightTensor w = RandomWeights.tensor("w", type, rows, cols, 8);
        float[] x = RandomWeights.floats(new Random(9), cols, 1f);
        float[] expected = new float[rows], actual = new float[rows];
        ReferenceKernels.matMul(w, x, expected, Rows.ALL, new Step(0, 1));
        FAST.matMul(w, x, actual, Rows.ALL, new Step(0, 1));
        assertClose(expected, actual, rows, 1e-5, type + " " + cols + " columns");
        // a batched decode's few tokens (rows streamed once for all), then a prefill chunk (rows
        // dequantized in lane order across the column blocks, x permuted to match)
        for (int n : new int[] {2, 5, 8, 9, 21, 33}) {
            float[] xs = RandomWeights.floats(new Random(10), n * cols, 1f);
            float[] expectedChunk = new float[n * rows], actualChunk = new float[n * rows];
            ReferenceKernels.matMul(w, xs, expectedChunk, Rows.ALL, new Step(0, n));
            FAST.matMul(w, xs, actualChunk, Rows.ALL, new Step(0, n));
            assertClose(expectedChunk, actualChunk, n * rows, 1e-5, type + " " + cols + " columns, " + n + " tokens");
        }
    }

    /** Rows wider than the tiles' row stride (Gemm.ROW_STRIDE) take the 4 x 4 tile's GEMM; a whole and a partial token group. */
    @Test
    void gemmOfRowsWiderThanTheTileStrideEqualsReference() {
        int rows = 5, cols = Gemm.ROW_STRIDE + 496; // a multiple of 32
        WeightTensor w = RandomWeights.tensor("w", TensorType.Q8_0, rows, cols, 11);
        for (int n : new int[] {Gemm.LANE_TOKENS, Gemm.LANE_TOKENS + 3}) {
            float[] x = RandomWeights.floats(new Random(12), n * cols, 1f);
            float[] expected = new float[n * rows], actual = new float[n * rows];
            ReferenceKernels.matMul(w, x, expected, Rows.ALL, new Step(0, n));
            FAST.matMul(w, x, actual, Rows.ALL, new Step(0, n));
            assertClose(expected, actual, n * rows, 1e-5, cols + " columns, " + n + " tokens");
        }
    }

    /** The same for the layouts with 16 blocks in the lanes: 33 super-blocks of Q6_K_I8, 17 groups of Q8_0_X16, 37 rows (an odd pair). */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q6_K_I8", "Q8_0_X16"})
    void wideLaneBlockRowsEqualReference(TensorType type) {
        int rows = 37, cols = Simd.L1_COLS + (type == TensorType.Q8_0_X16 ? 512 : 256);
        WeightTensor w = RandomWeights.tensor("w", type, rows, cols, 8);
        float[] x = RandomWeights.floats(new Random(9), cols, 1f);
        float[] expected = new float[rows], actual = new float[rows];
        ReferenceKernels.matMul(w, x, expected, Rows.ALL, new Step(0, 1));
        FAST.matMul(w, x, actual, Rows.ALL, new Step(0, 1));
        assertClose(expected, actual, rows, 1e-5, type + " " + cols + " columns");
    }

    @ParameterizedTest
    @EnumSource(TensorType.class)
    void quantizationRoundTripsWithinTheFormatsPrecision(TensorType type) {
        int n = type == TensorType.Q8_0_X16 ? 512 : 256; // whole groups
        float[] x = RandomWeights.floats(new Random(3), n, 1f);
        WeightTensor w = RandomWeights.tensor("w", type, 1, n, 3);
        float[] back = new float[n];
        Dequant.row(type, w.data(), 0, n, back, 0);
        double bound = switch (type) {
            case F32 -> 0;
            case F16 -> 1e-3;
            case BF16 -> 1e-2;
            case Q8_0, Q8_0_X16 -> 0.02;
            case Q4_0, Q4_0_X4 -> 0.35;
            case Q4_K, Q4_K_X4, Q4_K_X4_S8 -> 0.2;
            case Q5_K, Q5_K_X4 -> 0.1;
            case Q6_K, Q6_K_I8 -> 0.05;
        };
        for (int i = 0; i < n; i++) assertEquals(x[i] * 0.5f, back[i], bound, type + " at " + i);
    }

    /**
     * Q4_K's two layouts are each read by one vector width's matvec ({@link Q4_KX4MatVec#layout}),
     * the one the backend makes at load; the other width's throws, as {@link #q4kLayoutOfTheOtherWidthIsRefused} checks.
     */
    private static boolean runsAtThisWidth(TensorType type) {
        return (type != TensorType.Q4_K_X4 && type != TensorType.Q4_K_X4_S8) || type == Q4_KX4MatVec.layout();
    }

    @Test
    void q4kLayoutOfTheOtherWidthIsRefused() {
        TensorType other = Q4_KX4MatVec.layout() == TensorType.Q4_K_X4 ? TensorType.Q4_K_X4_S8 : TensorType.Q4_K_X4;
        WeightTensor w = RandomWeights.tensor("w", other, 4, 256, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FAST.matMul(w, new float[256], new float[4], Rows.ALL, new Step(0, 1)));
        assertTrue(e.getMessage().contains(other.name()), e.getMessage());
        WeightTensor q4k = RandomWeights.tensor("w", TensorType.Q4_K, 4, 256, 1);
        assertEquals(Q4_KX4MatVec.layout(), new JavaBackend(1, false).prepare(q4k, java.lang.foreign.Arena.ofAuto()).type());
    }

    /** The AVX2 run (tornado-tasks/pom.xml) names the width it is for: proof its kernels took the 256-bit paths. */
    @Test
    void kernelsUseTheVectorWidthThisRunIsFor() {
        Integer expected = Integer.getInteger("mistral.test.vectorBits");
        Assumptions.assumeTrue(expected != null, "only the AVX2 run names a width");
        assertEquals(expected, Simd.F.vectorBitSize());
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, Quantize.bf16(1f));
        assertEquals(1f + 1f / 128, Dequant.bf16(Quantize.bf16(1f + 1f / 128 + 1f / 1024)));
    }

    @Test
    void attentionEqualsReferenceAcrossTheCacheWrap() {
        int heads = 4, kvHeads = 2, headDim = 16, window = 8, kvDim = kvHeads * headDim;
        KvCacheLayer cache = new KvCacheLayer(new F32Buffer("k", 8L * kvDim), new F32Buffer("v", 8L * kvDim), 8, kvDim);
        Random r = new Random(4);
        float[] cacheK = RandomWeights.floats(r, 8 * kvDim, 1f), cacheV = RandomWeights.floats(r, 8 * kvDim, 1f);
        for (int pos : new int[] {0, 3, 13, 21}) {
            for (int n : new int[] {1, 3, 11}) {
                Step s = new Step(pos, n);
                float[] q = RandomWeights.floats(r, n * heads * headDim, 1f);
                float[] k = RandomWeights.floats(r, n * kvDim, 1f), v = RandomWeights.floats(r, n * kvDim, 1f);
                float[] expected = new float[n * heads * headDim], actual = new float[n * heads * headDim];
                ReferenceKernels.attention(q, k, v, cacheK, cacheV, cache, expected, heads, kvHeads, headDim, window, s);
                FAST.attention(q, k, v, cacheK, cacheV, cache, actual, heads, kvHeads, headDim, window, s);
                assertClose(expected, actual, expected.length, 1e-5, "pos " + pos + " n " + n);
            }
        }
    }

    /**
     * Mistral's head size (128: the four-vector value path) over windows long enough that one
     * decoded token's rows are split between both threads, with and without a window, and with
     * the rolling cache wrapped so a window's rows come in two runs.
     */
    @Test
    void attentionAtHeadSize128EqualsReferenceWhenRowsAreSplitOverThreads() {
        int heads = 8, kvHeads = 2, headDim = 128, kvDim = kvHeads * headDim;
        Random r = new Random(5);
        for (int[] windowSlotsPos : new int[][] {{0, 400, 250}, {150, 150, 331}, {150, 150, 149}}) {
            int window = windowSlotsPos[0], slots = windowSlotsPos[1], pos = windowSlotsPos[2];
            KvCacheLayer cache = new KvCacheLayer(new F32Buffer("k", (long) slots * kvDim), new F32Buffer("v", (long) slots * kvDim), slots, kvDim);
            float[] cacheK = RandomWeights.floats(r, slots * kvDim, 1f), cacheV = RandomWeights.floats(r, slots * kvDim, 1f);
            for (int n : new int[] {1, 3}) {
                Step s = new Step(pos, n);
                float[] q = RandomWeights.floats(r, n * heads * headDim, 0.3f);
                float[] k = RandomWeights.floats(r, n * kvDim, 1f), v = RandomWeights.floats(r, n * kvDim, 1f);
                float[] expected = new float[n * heads * headDim], actual = new float[n * heads * headDim];
                ReferenceKernels.attention(q, k, v, cacheK, cacheV, cache, expected, heads, kvHeads, headDim, window, s);
                FAST.attention(q, k, v, cacheK, cacheV, cache, actual, heads, kvHeads, headDim, window, s);
                assertClose(expected, actual, expected.length, 1e-5, "window " + window + " pos " + pos + " n " + n);
            }
        }
    }

    /**
     * A batched step (a prefill chunk beside one-token decodes of other sequences) gives each
     * sequence what a step of its own gives, over its own slots of a shared cache buffer.
     */
    @Test
    void batchedAttentionEqualsEachSegmentAlone() {
        int heads = 8, kvHeads = 2, headDim = 128, kvDim = kvHeads * headDim, slots = 150, window = 150, sequences = 3;
        KvCacheLayer shared = new KvCacheLayer(new F32Buffer("k", 3L * slots * kvDim), new F32Buffer("v", 3L * slots * kvDim), slots, kvDim, sequences);
        KvCacheLayer single = new KvCacheLayer(new F32Buffer("k1", (long) slots * kvDim), new F32Buffer("v1", (long) slots * kvDim), slots, kvDim);
        Random r = new Random(9);
        float[] cacheK = RandomWeights.floats(r, sequences * slots * kvDim, 1f), cacheV = RandomWeights.floats(r, sequences * slots * kvDim, 1f);
        int[] seqs = {2, 0, 1}, positions = {331, 5, 149}, counts = {1, 4, 1};
        Step batch = Step.batch(seqs, positions, counts, 3);
        float[] q = RandomWeights.floats(r, batch.n() * heads * headDim, 0.3f);
        float[] k = RandomWeights.floats(r, batch.n() * kvDim, 1f), v = RandomWeights.floats(r, batch.n() * kvDim, 1f);
        float[] batched = new float[batch.n() * heads * headDim];
        FAST.attention(q, k, v, cacheK, cacheV, shared, batched, heads, kvHeads, headDim, window, batch);
        for (Step.Segment g : batch.segments()) {
            int qd = heads * headDim;
            float[] sq = java.util.Arrays.copyOfRange(q, g.first() * qd, (g.first() + g.n()) * qd);
            float[] sk = java.util.Arrays.copyOfRange(k, g.first() * kvDim, (g.first() + g.n()) * kvDim);
            float[] sv = java.util.Arrays.copyOfRange(v, g.first() * kvDim, (g.first() + g.n()) * kvDim);
            float[] ck = java.util.Arrays.copyOfRange(cacheK, g.sequence() * slots * kvDim, (g.sequence() + 1) * slots * kvDim);
            float[] cv = java.util.Arrays.copyOfRange(cacheV, g.sequence() * slots * kvDim, (g.sequence() + 1) * slots * kvDim);
            float[] alone = new float[g.n() * qd];
            FAST.attention(sq, sk, sv, ck, cv, single, alone, heads, kvHeads, headDim, window, new Step(g.pos(), g.n()));
            // the same code over the same rows; only the JIT's lane-reduction order may differ between the runs
            assertClose(alone, java.util.Arrays.copyOfRange(batched, g.first() * qd, (g.first() + g.n()) * qd), alone.length, 1e-6,
                    "sequence " + g.sequence());
        }
        float[] reference = new float[batched.length];
        ReferenceKernels.attention(q, k, v, cacheK, cacheV, shared, reference, heads, kvHeads, headDim, window, batch);
        assertClose(reference, batched, batched.length, 1e-5, "reference");
    }

    /** The cos/sin table is reused while step and frequencies stay the same: bit-identical to the reference throughout. */
    @Test
    void ropeEqualsReferenceExactlyAcrossStepsAndThetas() {
        int headDim = 16;
        float[] freqs1 = ReferenceKernels.ropeFrequencies(10000f, headDim), freqs2 = ReferenceKernels.ropeFrequencies(1e6f, headDim);
        Random r = new Random(6);
        Step[] steps = {new Step(0, 3), new Step(0, 3), new Step(3, 1), new Step(4, 1), new Step(4, 2), new Step(4096, 1)};
        for (Step s : steps) {
            for (float[] freqs : new float[][] {freqs1, freqs1, freqs2}) {
                for (int heads : new int[] {4, 2}) {
                    float[] expected = RandomWeights.floats(r, s.n() * heads * headDim, 1f), actual = expected.clone();
                    ReferenceKernels.rope(expected, freqs, heads, headDim, s);
                    FAST.rope(actual, freqs, heads, headDim, s);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, "step " + s + " heads " + heads);
                }
            }
        }
    }

    @Test
    void windowStartIsInclusiveOfWKeys() {
        assertEquals(0, ReferenceKernels.windowStart(31, 32));
        assertEquals(1, ReferenceKernels.windowStart(32, 32));
        assertEquals(0, ReferenceKernels.windowStart(5000, 0));
    }

    @Test
    void kvStoreKeepsOnlyTheLastSlotsOfALongChunk() {
        int kvDim = 2, slots = 4;
        KvCacheLayer cache = new KvCacheLayer(new F32Buffer("k", slots * kvDim), new F32Buffer("v", slots * kvDim), slots, kvDim);
        float[] k = new float[6 * kvDim], v = new float[6 * kvDim];
        for (int t = 0; t < 6; t++) k[t * kvDim] = v[t * kvDim] = 10 + t; // positions 10..15
        float[] ck = new float[slots * kvDim], cv = new float[slots * kvDim];
        ReferenceKernels.kvStore(k, v, ck, cv, cache, new Step(10, 6));
        // position p lives in slot p mod 4: 12 -> 0, 13 -> 1, 14 -> 2, 15 -> 3
        assertEquals(12f, ck[0]);
        assertEquals(13f, ck[2]);
        assertEquals(14f, cv[4]);
        assertEquals(15f, cv[6]);
    }

    /** Vector exp against Math.exp in double: within a few float ulps; 100 columns leave a scalar tail. */
    @Test
    void swiGluEqualsReference() {
        int hidden = 100, n = 3;
        float[] gate = RandomWeights.floats(new Random(7), n * hidden, 6f), up = RandomWeights.floats(new Random(8), n * hidden, 1f);
        gate[5] = 90f;
        gate[6] = -90f; // exp overflows: silu -> -0
        float[] expected = new float[n * hidden];
        for (int i = 0; i < expected.length; i++) expected[i] = ReferenceKernels.silu(gate[i]) * up[i];
        FAST.swiGlu(gate, up, hidden, new Step(0, n));
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], gate[i], 1e-6 * Math.max(1, Math.abs(expected[i])), "at " + i);
    }

    @Test
    void rmsNormEqualsReference() {
        int dim = 100;
        float[] x = RandomWeights.floats(new Random(5), 3 * dim, 2f), w = RandomWeights.floats(new Random(6), dim, 1f);
        float[] expected = new float[3 * dim], actual = new float[3 * dim];
        ReferenceKernels.rmsNorm(x, w, expected, dim, 1e-5f, new Step(0, 3));
        FAST.rmsNorm(x, w, actual, dim, 1e-5f, new Step(0, 3));
        assertClose(expected, actual, 3 * dim, 1e-6, "rmsnorm");
    }
}
