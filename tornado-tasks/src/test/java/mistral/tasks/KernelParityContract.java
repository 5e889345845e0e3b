package mistral.tasks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.F32Buffer;
import mistral.tasks.graph.KvCacheLayer;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.Task.Rows;
import mistral.tasks.graph.TaskGraph;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.java.JavaBackend;
import mistral.tasks.kernels.ReferenceKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kernel of a device backend against the Java backend (whose kernels are tested against
 * the plain-Java references): one subclass per backend supplies {@link #backend()}.
 */
public abstract class KernelParityContract {
    protected static final int CAP = 12, DIM = 64;
    private static final Backend JAVA = new JavaBackend(2, false);

    protected abstract Backend backend();

    /** Whether the backend has K-quant kernels (TornadoVM's do not exist yet). */
    protected boolean hasKQuantKernels() {
        return true;
    }

    private void compare(int width, F32Buffer out, Rows rows, Consumer<TaskGraph> body, Step... steps) {
        BackendComparison.compare(JAVA, backend(), CAP, width, out, rows, body, steps);
    }

    private static F32Buffer x() {
        return new F32Buffer("x", (long) CAP * DIM);
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_0_X4", "Q4_K_X4", "Q4_K_X4_S8", "Q5_K_X4", "Q6_K_I8", "Q8_0_X16", "Q4_K", "Q5_K", "Q6_K"}, mode = EnumSource.Mode.EXCLUDE) // Java-only layouts and types
    void matMul(TensorType type) {
        compareMatMul(RandomWeights.tensor("w", type, 72, DIM, 3), new Step[] {new Step(0, 1), new Step(1, 12), new Step(13, 9), new Step(22, 2), new Step(24, 8)},
                new Step(0, 5), new Step(5, 1));
    }

    /** w's matmul equals the Java backend's: all rows over {@code steps}, then the last row only over {@code lastSteps}. */
    private void compareMatMul(WeightTensor w, Step[] steps, Step... lastSteps) {
        F32Buffer x = new F32Buffer("x", (long) CAP * w.cols());
        F32Buffer out = new F32Buffer("out", (long) CAP * w.rows());
        compare(w.cols(), out, Rows.ALL, g -> g.task(new Task.MatMul(w, x, out, Rows.ALL)), steps);
        F32Buffer last = new F32Buffer("last", w.rows());
        compare(w.cols(), last, Rows.LAST, g -> g.task(new Task.MatMul(w, x, last, Rows.LAST)), lastSteps);
    }

    /** Rows and columns that fill no tile or lane group evenly: more blocks per row than a device's lanes, rows past a tile. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_0_X4", "Q4_K_X4", "Q4_K_X4_S8", "Q5_K_X4", "Q6_K_I8", "Q8_0_X16", "Q4_K", "Q5_K", "Q6_K"}, mode = EnumSource.Mode.EXCLUDE)
    void matMulWiderThanOneTile(TensorType type) {
        compareMatMul(RandomWeights.tensor("w", type, 130, 37 * 32, 4), new Step[] {new Step(0, 1), new Step(1, 12), new Step(13, 2)},
                new Step(0, 7));
    }

    /** K-quants: rows of three 256-weight super-blocks, decode, chunks, the last row, and the embedding. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void kQuantMatMulAndEmbed(TensorType type) {
        org.junit.jupiter.api.Assumptions.assumeTrue(hasKQuantKernels(), "no K-quant kernels on this backend");
        compareMatMul(RandomWeights.tensor("w", type, 70, 3 * 256, 4), new Step[] {new Step(0, 1), new Step(1, 12), new Step(13, 5)},
                new Step(0, 7));
        WeightTensor table = RandomWeights.tensor("emb", type, 50, 256, 5);
        F32Buffer e = new F32Buffer("e", (long) CAP * 256);
        compare(256, e, Rows.ALL, g -> g.task(new Task.Embed(g.ints("tokens", CAP), table, e)), new Step(0, 7));
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_0_X4", "Q4_K_X4", "Q4_K_X4_S8", "Q5_K_X4", "Q6_K_I8", "Q8_0_X16", "Q4_K", "Q5_K", "Q6_K"}, mode = EnumSource.Mode.EXCLUDE)
    void embed(TensorType type) {
        WeightTensor table = RandomWeights.tensor("emb", type, 50, DIM, 5);
        F32Buffer out = new F32Buffer("e", (long) CAP * DIM);
        compare(DIM, out, Rows.ALL, g -> g.task(new Task.Embed(g.ints("tokens", CAP), table, out)), new Step(0, 7));
    }

    @Test
    void rmsNormRopeSwiGluAdd() {
        WeightTensor norm = RandomWeights.tensor("norm", TensorType.F32, 1, DIM, 9);
        float[] f = ReferenceKernels.ropeFrequencies(10000f, 16);
        WeightTensor freqs = RandomWeights.tensor("freqs", TensorType.F32, 1, 8, 1);
        MemorySegment.copy(f, 0, freqs.data(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 8);
        F32Buffer y = new F32Buffer("y", (long) CAP * DIM);
        compare(DIM, y, Rows.ALL, g -> g
                .task(new Task.RmsNorm(x(), norm, y, DIM, 1e-5f))
                .task(new Task.Rope(y, freqs, 4, 16))
                .task(new Task.SwiGlu(y, x(), DIM))
                .task(new Task.Add(y, x(), DIM)), new Step(0, 3), new Step(3, 12), new Step(4000, 2));
    }

    @Test
    void windowedAttentionOverTheRollingCache() {
        int heads = 4, kvHeads = 2, headDim = 16, kvDim = kvHeads * headDim, slots = 8, window = 8;
        WeightTensor wk = RandomWeights.tensor("wk", TensorType.F32, kvDim, DIM, 11);
        WeightTensor wv = RandomWeights.tensor("wv", TensorType.F32, kvDim, DIM, 12);
        KvCacheLayer cache = new KvCacheLayer(new F32Buffer("ck", (long) slots * kvDim), new F32Buffer("cv", (long) slots * kvDim), slots, kvDim);
        F32Buffer k = new F32Buffer("k", (long) CAP * kvDim), v = new F32Buffer("v", (long) CAP * kvDim);
        F32Buffer out = new F32Buffer("att", (long) CAP * DIM);
        compare(DIM, out, Rows.ALL, g -> g
                .task(new Task.MatMul(wk, x(), k, Rows.ALL))
                .task(new Task.MatMul(wv, x(), v, Rows.ALL))
                .task(new Task.Attention(x(), k, v, cache, out, heads, kvHeads, headDim, window))
                .task(new Task.KvStore(k, v, cache)),
                // prefill chunks that wrap the cache, a chunk longer than the cache, then decode steps
                new Step(0, 5), new Step(5, 6), new Step(11, 12), new Step(23, 1), new Step(24, 1), new Step(25, 3));
    }

    /** Decode over a long window (a device may split it over work-groups), with and without a window, the cache wrapped. */
    @ParameterizedTest
    @ValueSource(ints = {0, 100})
    void decodeAttentionOverALongWindow(int window) {
        int heads = 4, kvHeads = 2, headDim = 16, kvDim = kvHeads * headDim, slots = window == 0 ? 160 : window;
        WeightTensor wk = RandomWeights.tensor("wk", TensorType.F32, kvDim, DIM, 13);
        WeightTensor wv = RandomWeights.tensor("wv", TensorType.F32, kvDim, DIM, 14);
        KvCacheLayer cache = new KvCacheLayer(new F32Buffer("ck", (long) slots * kvDim), new F32Buffer("cv", (long) slots * kvDim), slots, kvDim);
        F32Buffer k = new F32Buffer("k", (long) CAP * kvDim), v = new F32Buffer("v", (long) CAP * kvDim);
        F32Buffer out = new F32Buffer("att", (long) CAP * DIM);
        Step[] steps = new Step[15];
        for (int i = 0; i < 12; i++) steps[i] = new Step(i * CAP, CAP);
        for (int i = 12; i < steps.length; i++) steps[i] = new Step(144 + i - 12, 1);
        compare(DIM, out, Rows.ALL, g -> g
                .task(new Task.MatMul(wk, x(), k, Rows.ALL))
                .task(new Task.MatMul(wv, x(), v, Rows.ALL))
                .task(new Task.Attention(x(), k, v, cache, out, heads, kvHeads, headDim, window))
                .task(new Task.KvStore(k, v, cache)), steps);
    }

    /**
     * Batched steps: three sequences with their own positions in one cache buffer, prefill chunks
     * beside one-token decodes, each sequence's rolling slots wrapping at a different step; then
     * the logits rows (the last token of each segment).
     */
    @Test
    void batchedStepsAttendToEachSequencesOwnCache() {
        int heads = 4, kvHeads = 2, headDim = 16, kvDim = kvHeads * headDim, slots = 8, window = 8, sequences = 3;
        WeightTensor wk = RandomWeights.tensor("wk", TensorType.F32, kvDim, DIM, 15);
        WeightTensor wv = RandomWeights.tensor("wv", TensorType.F32, kvDim, DIM, 16);
        WeightTensor wo = RandomWeights.tensor("wo", TensorType.Q8_0, 40, DIM, 17);
        KvCacheLayer cache = new KvCacheLayer(new F32Buffer("ck", (long) sequences * slots * kvDim),
                new F32Buffer("cv", (long) sequences * slots * kvDim), slots, kvDim, sequences);
        F32Buffer k = new F32Buffer("k", (long) CAP * kvDim), v = new F32Buffer("v", (long) CAP * kvDim);
        F32Buffer att = new F32Buffer("att", (long) CAP * DIM), logits = new F32Buffer("logits", (long) sequences * 40);
        Step[] steps = {
                Step.batch(new int[] {0, 1, 2}, new int[] {0, 0, 0}, new int[] {5, 3, 1}, 3),
                Step.batch(new int[] {2, 0, 1}, new int[] {1, 5, 3}, new int[] {6, 1, 1}, 3),
                Step.batch(new int[] {1, 0}, new int[] {4, 6}, new int[] {9, 1}, 2), // sequence 1 wraps, 2 waits
                Step.batch(new int[] {0, 1, 2}, new int[] {7, 13, 7}, new int[] {1, 1, 3}, 3), // 0 and 2 wrap
                Step.batch(new int[] {2, 0, 1}, new int[] {10, 8, 14}, new int[] {1, 1, 1}, 3),
        };
        compare(DIM, att, Rows.ALL, g -> g
                .task(new Task.MatMul(wk, x(), k, Rows.ALL))
                .task(new Task.MatMul(wv, x(), v, Rows.ALL))
                .task(new Task.Rope(k, RandomWeights.tensor("freqs", TensorType.F32, 1, headDim / 2, 18), kvHeads, headDim))
                .task(new Task.Attention(x(), k, v, cache, att, heads, kvHeads, headDim, window))
                .task(new Task.KvStore(k, v, cache)), steps);
        compare(DIM, logits, Rows.LAST, g -> g
                .task(new Task.MatMul(wk, x(), k, Rows.ALL))
                .task(new Task.MatMul(wv, x(), v, Rows.ALL))
                .task(new Task.Attention(x(), k, v, cache, att, heads, kvHeads, headDim, window))
                .task(new Task.KvStore(k, v, cache))
                .task(new Task.MatMul(wo, att, logits, Rows.LAST)), steps);
    }
}
