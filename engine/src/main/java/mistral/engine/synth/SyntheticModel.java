package mistral.engine.synth;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import mistral.engine.gguf.GgufWriter;
import mistral.engine.model.ModelConfig;
import mistral.tasks.TensorType;
import mistral.tasks.java.ParallelFor;
import mistral.tasks.kernels.Quantize;

/**
 * Writes a GGUF of a given shape with random weights (uniform, std 0.02; norms 1), streaming
 * tensor by tensor in slabs of rows, so a 7B file needs a few MB of memory.
 */
public final class SyntheticModel {
    private static final float STD = 0.02f;
    private static final long SLAB_BYTES = 16L << 20;

    private record Spec(String name, int rows, int cols, TensorType type) {
        long bytes() {
            return rows * type.bytesFor(cols);
        }
    }

    private SyntheticModel() {
    }

    /** @param progress hears a progress line now and then (the bar, done and total bytes, the tensor being written) */
    public static void write(ModelConfig c, TensorType type, long seed, Path out, int threads, java.util.function.Consumer<String> progress) throws IOException {
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("token_embd.weight", c.vocabSize(), c.dim(), type));
        specs.add(new Spec("output_norm.weight", 1, c.dim(), TensorType.F32));
        // as llama.cpp's K-quant mixes do, the output matrix keeps more bits (and see moreBits)
        specs.add(new Spec("output.weight", c.vocabSize(), c.dim(), outputType(type, c.dim())));
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".";
            specs.add(new Spec(b + "attn_norm.weight", 1, c.dim(), TensorType.F32));
            specs.add(new Spec(b + "attn_q.weight", c.qDim(), c.dim(), type));
            specs.add(new Spec(b + "attn_k.weight", c.kvDim(), c.dim(), type));
            specs.add(new Spec(b + "attn_v.weight", c.kvDim(), c.dim(), moreBits(type, l, c.layers())));
            specs.add(new Spec(b + "attn_output.weight", c.dim(), c.qDim(), type));
            specs.add(new Spec(b + "ffn_norm.weight", 1, c.dim(), TensorType.F32));
            specs.add(new Spec(b + "ffn_gate.weight", c.hiddenDim(), c.dim(), type));
            specs.add(new Spec(b + "ffn_up.weight", c.hiddenDim(), c.dim(), type));
            specs.add(new Spec(b + "ffn_down.weight", c.dim(), c.hiddenDim(), moreBits(type, l, c.layers())));
        }
        SyntheticVocab vocab = SyntheticVocab.of(c.vocabSize());
        GgufWriter w = new GgufWriter()
                .put("general.architecture", "llama")
                .put("general.name", String.format(Locale.ROOT, "synthetic %d-layer %s (seed %d)", c.layers(), type, seed))
                .putU32("general.file_type", fileType(type))
                .putU32("llama.context_length", c.contextLength())
                .putU32("llama.embedding_length", c.dim())
                .putU32("llama.block_count", c.layers())
                .putU32("llama.feed_forward_length", c.hiddenDim())
                .putU32("llama.rope.dimension_count", c.headDim())
                .putU32("llama.attention.head_count", c.heads())
                .putU32("llama.attention.head_count_kv", c.kvHeads())
                .putF32("llama.attention.layer_norm_rms_epsilon", c.normEps())
                .putF32("llama.rope.freq_base", c.ropeTheta())
                .putU32("llama.vocab_size", c.vocabSize());
        if (c.windowed()) w.putU32("llama.attention.sliding_window", c.slidingWindow());
        w.put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", vocab.tokens())
                .put("tokenizer.ggml.scores", vocab.scores())
                .put("tokenizer.ggml.token_type", vocab.types())
                .putU32("tokenizer.ggml.bos_token_id", 1)
                .putU32("tokenizer.ggml.eos_token_id", 2)
                .putU32("tokenizer.ggml.unknown_token_id", 0)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putBool("tokenizer.ggml.add_eos_token", false);
        long total = 0;
        for (Spec s : specs) {
            w.tensor(s.name, s.rows == 1 ? new long[] {s.cols} : new long[] {s.cols, s.rows}, s.type.ggmlId, s.bytes());
            total += s.bytes();
        }
        long grandTotal = total;
        long[] done = {0};
        long start = System.nanoTime();
        long[] lastPrint = {0};
        try (ParallelFor parallel = new ParallelFor(threads); Arena arena = Arena.ofShared()) {
            MemorySegment slab = arena.allocate(SLAB_BYTES + (1 << 20), 64);
            w.write(out, (name, ch) -> {
                Spec s = specs.stream().filter(x -> x.name.equals(name)).findFirst().orElseThrow();
                writeTensor(s, specs.indexOf(s), seed, slab, ch, parallel);
                done[0] += s.bytes();
                long now = System.nanoTime();
                if (progress != null && (now - lastPrint[0] > 500_000_000L || done[0] == grandTotal)) {
                    progress.accept(bar(name, done[0], grandTotal, start));
                    lastPrint[0] = now;
                }
            });
        }
    }

    private static void writeTensor(Spec s, int index, long seed, MemorySegment slab, FileChannel ch, ParallelFor parallel) throws IOException {
        long rowBytes = s.type.bytesFor(s.cols);
        int rowsPerSlab = (int) Math.max(1, Math.min(s.rows, SLAB_BYTES / rowBytes));
        for (int r0 = 0; r0 < s.rows; r0 += rowsPerSlab) {
            int n = Math.min(rowsPerSlab, s.rows - r0);
            int first = r0;
            parallel.range(n, 8, (a, b) -> {
                float[] row = new float[s.cols];
                for (int r = a; r < b; r++) {
                    fill(row, s.rows == 1, seed, index, first + r);
                    Quantize.row(s.type, row, 0, s.cols, slab, r * rowBytes);
                }
            });
            java.nio.ByteBuffer buf = slab.asSlice(0, n * rowBytes).asByteBuffer();
            while (buf.hasRemaining()) ch.write(buf);
        }
    }

    /** Norm weights are 1; everything else uniform with std 0.02 from a per-row stream (reproducible, parallel). */
    private static void fill(float[] row, boolean norm, long seed, int tensor, int r) {
        if (norm) {
            java.util.Arrays.fill(row, 1f);
            return;
        }
        long x = seed * 0x9E3779B97F4A7C15L ^ (tensor * 0xBF58476D1CE4E5B9L) ^ (r * 0x94D049BB133111EBL + 1);
        float scale = STD * (float) Math.sqrt(3) * 2f / (1L << 24);
        for (int i = 0; i < row.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            row[i] = ((x >>> 40) - (1L << 23)) * scale;
        }
    }

    /**
     * llama.cpp's Q4_K_M and Q5_K_M mixes: attn_v and ffn_down of the first and last eighth of the
     * layers and of every third layer between them are Q6_K (its use_more_bits rule), so synthetic
     * Q4_K and Q5_K files have the share of Q6_K that downloaded _K_M files have.
     */
    static TensorType moreBits(TensorType type, int layer, int layers) {
        if (type != TensorType.Q4_K && type != TensorType.Q5_K) return type;
        boolean more = layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
        return more ? TensorType.Q6_K : type;
    }

    static int fileType(TensorType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            case Q4_K -> 15; // LLAMA_FTYPE_MOSTLY_Q4_K_M (see moreBits)
            case Q5_K -> 17; // LLAMA_FTYPE_MOSTLY_Q5_K_M (see moreBits)
            case Q6_K -> 18;
            case Q4_0_X4, Q4_K_X4, Q4_K_X4_S8, Q5_K_X4, Q6_K_I8, Q8_0_X16 -> throw new IllegalArgumentException(t + " is the Java backend's in-memory layout, not a file type");
        };
    }

    /**
     * The output matrix's type as llama-quantize picks it: Q6_K in Q4_0 and K-quant files, the
     * file's own type in Q8_0 and float files (and where the rows are not whole 256-weight
     * super-blocks). The synthetic files then stand in for real downloads.
     */
    static TensorType outputType(TensorType type, int cols) {
        boolean q6 = (type.isKQuant() || type == TensorType.Q4_0) && cols % TensorType.Q6_K.blockSize == 0;
        return q6 ? TensorType.Q6_K : type;
    }

    private static String bar(String name, long done, long total, long start) {
        int width = 30;
        int filled = (int) (width * done / Math.max(1, total));
        double secs = (System.nanoTime() - start) / 1e9;
        return String.format(Locale.ROOT, "[%s%s] %3d%% %7.3f/%.3f GB %5.0fs %s", "#".repeat(filled), " ".repeat(width - filled),
                100 * done / Math.max(1, total), done / 1e9, total / 1e9, secs, name);
    }
}
