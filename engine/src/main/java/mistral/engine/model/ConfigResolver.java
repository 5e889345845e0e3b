package mistral.engine.model;

import mistral.engine.gguf.GgufException;
import mistral.engine.gguf.GgufFile;

/**
 * Reads a model's config from GGUF metadata. The sliding window comes from, in order: the
 * {@code --sliding-window} flag, {@code llama.attention.sliding_window}, the {@code --preset},
 * a built-in preset whose shape matches the file, else no window.
 */
public final class ConfigResolver {
    /** What the user may override; null fields mean "not given". */
    public record Overrides(Integer slidingWindow, String preset, Integer context) {
        public static final Overrides NONE = new Overrides(null, null, null);
    }

    /** Context used unless --context asks for more, so that the KV cache fits a laptop. */
    public static final int DEFAULT_CONTEXT_CAP = 8192;

    private ConfigResolver() {
    }

    /** A size or count from the file: a non-negative int, else a clear error naming the key ({@code fallback} when absent; -1: required). */
    private static int count(GgufFile g, String key, int fallback) {
        if (fallback < 0 && !g.has(key)) return (int) g.integer(key); // the file's own "missing key" error
        long v = g.integer(key, fallback);
        if (v < 0 || v > Integer.MAX_VALUE) throw new GgufException(g.path(), key + " is " + v + ", not a valid size");
        return (int) v;
    }

    public static ModelConfig resolve(GgufFile g, Overrides o) {
        String arch = g.has("general.architecture") ? g.string("general.architecture") : "(missing)";
        if (!arch.equals("llama") && !arch.equals("mistral")) {
            throw new GgufException(g.path(), "architecture " + arch + " is not a Mistral/Llama model");
        }
        String p = arch + ".";
        int dim = count(g, p + "embedding_length", -1);
        int heads = count(g, p + "attention.head_count", -1);
        int headDim = count(g, p + "attention.key_length", count(g, p + "rope.dimension_count", dim / Math.max(1, heads)));
        int vocab = g.has(p + "vocab_size") ? count(g, p + "vocab_size", -1)
                : g.has("tokenizer.ggml.tokens") ? g.get("tokenizer.ggml.tokens", String[].class).length : 0;
        ModelConfig c;
        try {
            c = new ModelConfig(dim, count(g, p + "block_count", -1), heads,
                    count(g, p + "attention.head_count_kv", heads), headDim,
                    count(g, p + "feed_forward_length", -1), vocab,
                    (float) g.real(p + "attention.layer_norm_rms_epsilon", 1e-5),
                    (float) g.real(p + "rope.freq_base", 10000.0),
                    count(g, p + "context_length", 4096), 0, "none");
        } catch (IllegalArgumentException e) {
            throw new GgufException(g.path(), "bad model config: " + e.getMessage());
        }
        if (o.slidingWindow() != null) {
            c = c.withWindow(o.slidingWindow(), "--sliding-window");
        } else if (g.has(p + "attention.sliding_window")) {
            c = c.withWindow(count(g, p + "attention.sliding_window", 0), "GGUF " + p + "attention.sliding_window");
        } else if (o.preset() != null) {
            c = c.withWindow(Preset.load(o.preset()).config().slidingWindow(), "preset " + o.preset());
        } else {
            for (String name : Preset.BUILT_IN) {
                Preset preset = Preset.load(name);
                if (preset.matches(c)) {
                    c = c.withWindow(preset.config().slidingWindow(), "preset " + name + " (matched by shape)");
                    break;
                }
            }
            if (c.windowSource().equals("none")) c = c.withWindow(0, "no window in metadata or presets");
        }
        if (o.context() != null) {
            if (o.context() <= 0) throw new IllegalArgumentException("--context must be positive");
            c = c.withContext(o.context());
        } else if (c.contextLength() > DEFAULT_CONTEXT_CAP) {
            c = c.withContext(DEFAULT_CONTEXT_CAP); // a 32k float cache is 8 GiB: ask for it with --context
        }
        return c;
    }
}
