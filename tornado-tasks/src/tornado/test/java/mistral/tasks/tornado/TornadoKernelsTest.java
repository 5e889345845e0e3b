package mistral.tasks.tornado;

import mistral.tasks.BackendComparison;
import mistral.tasks.RandomWeights;
import mistral.tasks.TensorType;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.F32Buffer;
import mistral.tasks.graph.KvCacheLayer;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.Task.Rows;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.java.JavaBackend;
import mistral.tasks.kernels.ReferenceKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each TornadoVM-compiled kernel against the Java backend (runs only with -P tornado). */
class TornadoKernelsTest {
    static final int CAP = 12, DIM = 64;
    static final Backend JAVA = new JavaBackend(2, false);
    static Backend tornado;

    @BeforeAll
    static void device() {
        tornado = new TornadoBackend(null, false);
    }

    static F32Buffer x() {
        return new F32Buffer("x", (long) CAP * DIM);
    }

    @ParameterizedTest
    @EnumSource(TensorType.class)
    void matMulAndEmbed(TensorType type) {
        WeightTensor w = RandomWeights.tensor("w", type, 72, DIM, 3);
        F32Buffer out = new F32Buffer("out", CAP * 72L);
        BackendComparison.compare(JAVA, tornado, CAP, DIM, out, Rows.ALL, g -> g.task(new Task.MatMul(w, x(), out, Rows.ALL)),
                new Step(0, 1), new Step(1, 12), new Step(13, 9));
        F32Buffer last = new F32Buffer("last", 72);
        BackendComparison.compare(JAVA, tornado, CAP, DIM, last, Rows.LAST, g -> g.task(new Task.MatMul(w, x(), last, Rows.LAST)),
                new Step(0, 5));
        WeightTensor table = RandomWeights.tensor("emb", type, 50, DIM, 5);
        F32Buffer e = new F32Buffer("e", (long) CAP * DIM);
        BackendComparison.compare(JAVA, tornado, CAP, DIM, e, Rows.ALL, g -> g.task(new Task.Embed(g.ints("tokens", CAP), table, e)),
                new Step(0, 7));
    }

    @Test
    void rmsNormRopeSwiGluAdd() {
        WeightTensor norm = RandomWeights.tensor("norm", TensorType.F32, 1, DIM, 9);
        float[] f = ReferenceKernels.ropeFrequencies(10000f, 16);
        WeightTensor freqs = RandomWeights.tensor("freqs", TensorType.F32, 1, 8, 1);
        java.lang.foreign.MemorySegment.copy(f, 0, freqs.data(), java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 8);
        F32Buffer y = new F32Buffer("y", (long) CAP * DIM);
        BackendComparison.compare(JAVA, tornado, CAP, DIM, y, Rows.ALL, g -> g
                .task(new Task.RmsNorm(x(), norm, y, DIM, 1e-5f))
                .task(new Task.Rope(y, freqs, 4, 16))
                .task(new Task.SwiGlu(y, x(), DIM))
                .task(new Task.Add(y, x(), DIM)), new Step(0, 3), new Step(3, 12), new Step(4000, 2));
    }

    @Test
    void windowedAttentionOverTheRollingCache() {
        int heads = 4, kvHeads = 2, headDim = 16, kvDim = kvHeads * headDim, slots = 8;
        WeightTensor wk = RandomWeights.tensor("wk", TensorType.F32, kvDim, DIM, 11);
        WeightTensor wv = RandomWeights.tensor("wv", TensorType.F32, kvDim, DIM, 12);
        KvCacheLayer cache = new KvCacheLayer(new F32Buffer("ck", (long) slots * kvDim), new F32Buffer("cv", (long) slots * kvDim), slots, kvDim);
        F32Buffer k = new F32Buffer("k", (long) CAP * kvDim), v = new F32Buffer("v", (long) CAP * kvDim);
        F32Buffer out = new F32Buffer("att", (long) CAP * DIM);
        BackendComparison.compare(JAVA, tornado, CAP, DIM, out, Rows.ALL, g -> g
                .task(new Task.MatMul(wk, x(), k, Rows.ALL))
                .task(new Task.MatMul(wv, x(), v, Rows.ALL))
                .task(new Task.Attention(x(), k, v, cache, out, heads, kvHeads, headDim, 8))
                .task(new Task.KvStore(k, v, cache)),
                new Step(0, 5), new Step(5, 6), new Step(11, 12), new Step(23, 1), new Step(24, 1), new Step(25, 3));
    }

    @Test
    void halfToFloatIsExactForEveryFiniteHalf() {
        for (int bits = 0; bits < 65536; bits++) {
            if (((bits >> 10) & 0x1F) == 31) continue; // inf and NaN do not occur in weights
            org.junit.jupiter.api.Assertions.assertEquals(Float.float16ToFloat((short) bits), TornadoKernels.halfToFloat(bits), 0f,
                    "bits " + Integer.toHexString(bits));
        }
    }
}
