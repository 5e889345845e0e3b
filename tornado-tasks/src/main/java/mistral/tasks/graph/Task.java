package mistral.tasks.graph;

import java.util.List;

/**
 * One kernel launch with its arguments. Every task works on the current chunk of {@code step.n()}
 * tokens, stored token-major (token t's vector at offset t * width) in buffers sized for the
 * plan's chunk capacity.
 */
public sealed interface Task permits Task.Embed, Task.RmsNorm, Task.MatMul, Task.Rope, Task.Attention,
        Task.KvStore, Task.SwiGlu, Task.Add {

    /** Kernel name, used for profiling and to pick device code. */
    String kernel();

    /** Every buffer the task reads or writes. */
    List<Buffer> buffers();

    /** out[t] = table row tokens[t], dequantized. */
    record Embed(I32Buffer tokens, WeightTensor table, F32Buffer out) implements Task {
        public String kernel() {
            return "embed_" + table.type().name().toLowerCase();
        }

        public List<Buffer> buffers() {
            return List.of(tokens, table, out);
        }
    }

    /** out[t] = x[t] / sqrt(mean(x[t]^2) + eps) * weight. */
    record RmsNorm(F32Buffer x, WeightTensor weight, F32Buffer out, int dim, float eps) implements Task {
        public String kernel() {
            return "rmsnorm";
        }

        public List<Buffer> buffers() {
            return List.of(x, weight, out);
        }
    }

    /**
     * Which tokens of the chunk a matmul covers: all of them, or the last of each segment (next-token
     * logits: out row i is segment i's, so one sequence gives one row).
     */
    enum Rows { ALL, LAST }

    /** out[t] = w . x[t]: w is rows x cols, x[t] has cols floats, out[t] has rows floats. */
    record MatMul(WeightTensor w, F32Buffer x, F32Buffer out, Rows rows) implements Task {
        public String kernel() {
            return "matmul_" + w.type().name().toLowerCase();
        }

        public List<Buffer> buffers() {
            return List.of(w, x, out);
        }
    }

    /**
     * Rotates adjacent pairs (x[2i], x[2i+1]) of every head of x[t] by angle position(t) * freqs[i], in
     * place; freqs[i] = theta^(-2i/headDim), computed once on the host in float32 as the reference does.
     */
    record Rope(F32Buffer x, WeightTensor freqs, int heads, int headDim) implements Task {
        public String kernel() {
            return "rope";
        }

        public List<Buffer> buffers() {
            return List.of(x, freqs);
        }
    }

    /**
     * Windowed grouped-query attention of the chunk's queries over the cache and the chunk itself
     * (paper, figure 3): query i sees cached positions j with i - window < j < pos, and chunk
     * positions pos <= j <= i within the window. Reads the cache before the chunk is stored. In a
     * batched step each segment does this over its own sequence's slots and its own tokens.
     *
     * @param window keys a query may see, itself included; 0 = no window
     */
    record Attention(F32Buffer q, F32Buffer k, F32Buffer v, KvCacheLayer cache, F32Buffer out,
                     int heads, int kvHeads, int headDim, int window) implements Task {
        public String kernel() {
            return "attention";
        }

        public List<Buffer> buffers() {
            return List.of(q, k, v, cache.keys(), cache.values(), out);
        }
    }

    /** Writes each segment's keys and values into its sequence's cache slots ((pos + t) mod slots). */
    record KvStore(F32Buffer k, F32Buffer v, KvCacheLayer cache) implements Task {
        public String kernel() {
            return "kv_store";
        }

        public List<Buffer> buffers() {
            return List.of(k, v, cache.keys(), cache.values());
        }
    }

    /** gate[t] = silu(gate[t]) * up[t], in place. */
    record SwiGlu(F32Buffer gate, F32Buffer up, int hidden) implements Task {
        public String kernel() {
            return "swiglu";
        }

        public List<Buffer> buffers() {
            return List.of(gate, up);
        }
    }

    /** x[t] += delta[t] (the residual connection). */
    record Add(F32Buffer x, F32Buffer delta, int dim) implements Task {
        public String kernel() {
            return "add";
        }

        public List<Buffer> buffers() {
            return List.of(x, delta);
        }
    }
}
