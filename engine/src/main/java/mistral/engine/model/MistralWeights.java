package mistral.engine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import mistral.engine.gguf.GgufException;
import mistral.engine.gguf.GgufFile;
import mistral.tasks.graph.WeightTensor;

/** The model's tensors, as views into the mapped GGUF file, checked against the config. */
public record MistralWeights(WeightTensor tokenEmbedding, WeightTensor outputNorm, WeightTensor output, List<Layer> layers) {

    public record Layer(WeightTensor attnNorm, WeightTensor wq, WeightTensor wk, WeightTensor wv, WeightTensor wo,
                        WeightTensor ffnNorm, WeightTensor w1, WeightTensor w2, WeightTensor w3) {
    }

    public static MistralWeights load(GgufFile g, ModelConfig c) {
        WeightTensor embd = check(g, g.tensor("token_embd.weight"), c.vocabSize(), c.dim());
        // some exports tie the output head to the embedding table
        WeightTensor out = g.tensors().containsKey("output.weight") ? g.tensor("output.weight") : embd;
        check(g, out, c.vocabSize(), c.dim());
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".";
            layers.add(new Layer(
                    check(g, g.tensor(b + "attn_norm.weight"), 1, c.dim()),
                    check(g, g.tensor(b + "attn_q.weight"), c.qDim(), c.dim()),
                    check(g, g.tensor(b + "attn_k.weight"), c.kvDim(), c.dim()),
                    check(g, g.tensor(b + "attn_v.weight"), c.kvDim(), c.dim()),
                    check(g, g.tensor(b + "attn_output.weight"), c.dim(), c.qDim()),
                    check(g, g.tensor(b + "ffn_norm.weight"), 1, c.dim()),
                    check(g, g.tensor(b + "ffn_gate.weight"), c.hiddenDim(), c.dim()),
                    check(g, g.tensor(b + "ffn_down.weight"), c.dim(), c.hiddenDim()),
                    check(g, g.tensor(b + "ffn_up.weight"), c.hiddenDim(), c.dim())));
        }
        return new MistralWeights(embd, check(g, g.tensor("output_norm.weight"), 1, c.dim()), out, List.copyOf(layers));
    }

    private static WeightTensor check(GgufFile g, WeightTensor t, int rows, int cols) {
        if (t.rows() != rows || t.cols() != cols) {
            throw new GgufException(g.path(), "tensor " + t.name() + " is " + t.rows() + "x" + t.cols()
                    + ", the config needs " + rows + "x" + cols);
        }
        return t;
    }

    /** The same weights, each replaced by {@code f} (the tied output matrix stays tied). */
    public MistralWeights map(UnaryOperator<WeightTensor> f) {
        WeightTensor embd = f.apply(tokenEmbedding);
        WeightTensor out = output == tokenEmbedding ? embd : f.apply(output);
        List<Layer> mapped = new ArrayList<>();
        for (Layer l : layers) {
            mapped.add(new Layer(f.apply(l.attnNorm), f.apply(l.wq), f.apply(l.wk), f.apply(l.wv), f.apply(l.wo),
                    f.apply(l.ffnNorm), f.apply(l.w1), f.apply(l.w2), f.apply(l.w3)));
        }
        return new MistralWeights(embd, f.apply(outputNorm), out, List.copyOf(mapped));
    }

    /** Every tensor once (a tied output matrix is the embedding table). */
    public List<WeightTensor> tensors() {
        java.util.Set<WeightTensor> all = new java.util.LinkedHashSet<>(List.of(tokenEmbedding, outputNorm, output));
        for (Layer l : layers) all.addAll(List.of(l.attnNorm, l.wq, l.wk, l.wv, l.wo, l.ffnNorm, l.w1, l.w2, l.w3));
        return List.copyOf(all);
    }

    /** Bytes of weights one token of decoding reads: every matrix, one embedding row. */
    public long bytesPerToken() {
        long sum = tokenEmbedding.rowBytes() + outputNorm.byteSize() + output.byteSize();
        for (Layer l : layers) {
            for (WeightTensor t : List.of(l.attnNorm, l.wq, l.wk, l.wv, l.wo, l.ffnNorm, l.w1, l.w2, l.w3)) sum += t.byteSize();
        }
        return sum;
    }
}
