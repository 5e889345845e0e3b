package mistral.engine.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/** A model preset from {@code configs/}: a name on the class path or a .properties file. */
public record Preset(String name, ModelConfig config) {
    public static final List<String> BUILT_IN = List.of("mistral-7b-v0.1", "mistral-7b-v0.2", "mistral-7b-v0.3", "tiny-mistral-a");

    public static Preset load(String nameOrPath) {
        Properties p = new Properties();
        try {
            Path file = Path.of(nameOrPath);
            if (nameOrPath.endsWith(".properties") && Files.isRegularFile(file)) {
                try (Reader r = Files.newBufferedReader(file)) {
                    p.load(r);
                }
            } else {
                try (InputStream in = Preset.class.getResourceAsStream("/mistral/configs/" + nameOrPath + ".properties")) {
                    if (in == null) {
                        throw new IllegalArgumentException("unknown preset " + nameOrPath + " (known: " + String.join(", ", BUILT_IN) + ")");
                    }
                    p.load(in);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read preset " + nameOrPath + ": " + e.getMessage());
        }
        try {
            int window = Integer.parseInt(p.getProperty("sliding_window", "0").trim());
            return new Preset(nameOrPath, new ModelConfig(
                    intOf(p, "dim"), intOf(p, "n_layers"), intOf(p, "n_heads"), intOf(p, "n_kv_heads"), intOf(p, "head_dim"),
                    intOf(p, "hidden_dim"), intOf(p, "vocab_size"), Float.parseFloat(p.getProperty("norm_eps", "1e-5")),
                    Float.parseFloat(p.getProperty("rope_theta", "10000")), intOf(p, "context_length"), window,
                    "preset " + nameOrPath));
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("preset " + nameOrPath + " is malformed: " + e.getMessage());
        }
    }

    private static int intOf(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) throw new IllegalArgumentException("preset lacks " + key);
        return Integer.parseInt(v.trim());
    }

    /** Whether a model file has this preset's shape (same dims, vocab and rope theta). */
    public boolean matches(ModelConfig c) {
        ModelConfig p = config;
        return p.dim() == c.dim() && p.layers() == c.layers() && p.heads() == c.heads() && p.kvHeads() == c.kvHeads()
                && p.hiddenDim() == c.hiddenDim() && p.vocabSize() == c.vocabSize()
                && Math.abs(p.ropeTheta() - c.ropeTheta()) <= 0.01f * p.ropeTheta();
    }
}
