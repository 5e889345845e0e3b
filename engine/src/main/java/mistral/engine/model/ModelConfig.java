package mistral.engine.model;

import java.util.Locale;

/**
 * The shape and hyper-parameters of a Mistral-architecture model.
 *
 * @param slidingWindow keys a query attends to (itself included); 0 = no window
 * @param windowSource  where the window came from (GGUF key, preset, flag), for --verbose
 */
public record ModelConfig(int dim, int layers, int heads, int kvHeads, int headDim, int hiddenDim, int vocabSize,
                          float normEps, float ropeTheta, int contextLength, int slidingWindow, String windowSource) {

    public ModelConfig {
        if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || hiddenDim <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("model dimensions must be positive");
        }
        if (heads % kvHeads != 0) throw new IllegalArgumentException(heads + " query heads is not a multiple of " + kvHeads + " KV heads");
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim " + headDim + " must be even for RoPE");
        if (slidingWindow < 0) throw new IllegalArgumentException("sliding window must be >= 0");
        if (contextLength <= 0) throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        if (!(ropeTheta > 0) || Float.isInfinite(ropeTheta)) throw new IllegalArgumentException("rope theta must be positive, got " + ropeTheta);
        if (!(normEps >= 0) || Float.isInfinite(normEps)) throw new IllegalArgumentException("norm epsilon must be >= 0, got " + normEps);
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public boolean windowed() {
        return slidingWindow > 0;
    }

    public ModelConfig withWindow(int window, String source) {
        return new ModelConfig(dim, layers, heads, kvHeads, headDim, hiddenDim, vocabSize, normEps, ropeTheta,
                contextLength, window, source);
    }

    public ModelConfig withContext(int context) {
        return new ModelConfig(dim, layers, heads, kvHeads, headDim, hiddenDim, vocabSize, normEps, ropeTheta,
                context, slidingWindow, windowSource);
    }

    public String describe() {
        return String.format(Locale.ROOT, """
                dim                 %d
                layers              %d
                heads / kv heads    %d / %d (head_dim %d)
                ffn hidden          %d
                vocab               %d
                norm eps            %g
                rope theta          %.1f
                context             %d
                sliding window      %s (%s)""",
                dim, layers, heads, kvHeads, headDim, hiddenDim, vocabSize, normEps, ropeTheta, contextLength,
                windowed() ? Integer.toString(slidingWindow) : "none", windowSource);
    }
}
