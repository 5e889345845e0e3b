package mistral.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.F32Buffer;
import mistral.tasks.graph.I32Buffer;
import mistral.tasks.graph.KvCacheLayer;
import mistral.tasks.graph.RollingKvCache;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.Task.Rows;
import mistral.tasks.graph.TaskGraph;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.ReferenceKernels;

/**
 * The whole model as one task graph for a chunk of up to {@code capacity} tokens. Per layer:
 * <pre>
 * h   = x + Wo . Attn(RoPE(Wq . n1), RoPE(Wk . n1), Wv . n1)     n1 = RMSNorm(x) * attn_norm
 * out = h + W2 . (silu(W1 . n2) * (W3 . n2))                      n2 = RMSNorm(h) * ffn_norm
 * </pre>
 * then logits = output . (RMSNorm(x) * output_norm), for every token or just the last of each sequence.
 * A cache for several sequences makes the plan a batched one: a step's tokens may belong to
 * different sequences, the matmuls run over all of them at once and attention over each one's own cache.
 */
public final class MistralGraph {
    private MistralGraph() {
    }

    public static ExecutionPlan build(ModelConfig c, MistralWeights w, RollingKvCache cache, int capacity, Rows logitRows) {
        TaskGraph g = new TaskGraph("mistral", capacity);
        I32Buffer tokens = g.ints("tokens", capacity);
        F32Buffer x = g.floats("x", (long) capacity * c.dim());
        F32Buffer xb = g.floats("xb", (long) capacity * c.dim());
        F32Buffer q = g.floats("q", (long) capacity * c.qDim());
        F32Buffer k = g.floats("k", (long) capacity * c.kvDim());
        F32Buffer v = g.floats("v", (long) capacity * c.kvDim());
        F32Buffer att = g.floats("att", (long) capacity * c.qDim());
        F32Buffer gate = g.floats("ffn_gate", (long) capacity * c.hiddenDim());
        F32Buffer up = g.floats("ffn_up", (long) capacity * c.hiddenDim());
        F32Buffer logits = g.floats("logits", (long) (logitRows == Rows.ALL ? capacity : cache.sequences()) * c.vocabSize());

        WeightTensor freqs = ropeFrequencies(c);

        g.task(new Task.Embed(tokens, w.tokenEmbedding(), x));
        for (int l = 0; l < c.layers(); l++) {
            MistralWeights.Layer L = w.layers().get(l);
            KvCacheLayer kv = cache.layer().get(l);
            g.task(new Task.RmsNorm(x, L.attnNorm(), xb, c.dim(), c.normEps()))
                    .task(new Task.MatMul(L.wq(), xb, q, Rows.ALL))
                    .task(new Task.MatMul(L.wk(), xb, k, Rows.ALL))
                    .task(new Task.MatMul(L.wv(), xb, v, Rows.ALL))
                    .task(new Task.Rope(q, freqs, c.heads(), c.headDim()))
                    .task(new Task.Rope(k, freqs, c.kvHeads(), c.headDim()))
                    .task(new Task.Attention(q, k, v, kv, att, c.heads(), c.kvHeads(), c.headDim(), c.slidingWindow()))
                    .task(new Task.KvStore(k, v, kv))
                    .task(new Task.MatMul(L.wo(), att, xb, Rows.ALL))
                    .task(new Task.Add(x, xb, c.dim()));
            g.task(new Task.RmsNorm(x, L.ffnNorm(), xb, c.dim(), c.normEps()))
                    .task(new Task.MatMul(L.w1(), xb, gate, Rows.ALL))
                    .task(new Task.MatMul(L.w3(), xb, up, Rows.ALL))
                    .task(new Task.SwiGlu(gate, up, c.hiddenDim()))
                    .task(new Task.MatMul(L.w2(), gate, xb, Rows.ALL))
                    .task(new Task.Add(x, xb, c.dim()));
        }
        g.task(new Task.RmsNorm(x, w.outputNorm(), xb, c.dim(), c.normEps()))
                .task(new Task.MatMul(w.output(), xb, logits, logitRows));
        return g.input(tokens).output(logits).freeze();
    }

    /** RoPE frequencies as a constant 1 x headDim/2 tensor, so every backend uploads the same floats. */
    static WeightTensor ropeFrequencies(ModelConfig c) {
        float[] f = ReferenceKernels.ropeFrequencies(c.ropeTheta(), c.headDim());
        MemorySegment seg = Arena.ofAuto().allocate((long) f.length * Float.BYTES, 16);
        MemorySegment.copy(f, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, f.length);
        return new WeightTensor("rope_freqs", TensorType.F32, 1, f.length, seg);
    }
}
