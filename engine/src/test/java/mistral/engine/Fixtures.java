package mistral.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The reference data copied from ../shared/fixtures into fixtures/ (tests run from the repo root). */
public final class Fixtures {
    public static final Path ROOT = Path.of("fixtures");
    public static final Path TINY = ROOT.resolve("tiny-mistral");
    public static final Path VOCAB = ROOT.resolve("mistral-tokenizer/mistral-7b-v0.1-vocab.gguf");
    public static final String[] TYPES = {"f32", "f16", "q8_0", "q4_0"};

    private Fixtures() {
    }

    public static Path model(String type) {
        return TINY.resolve("tiny-mistral-a-" + type + ".gguf");
    }

    public static JsonNode reference(String type) {
        return json(TINY.resolve("tiny-mistral-a-" + type + ".ref.json"));
    }

    public static JsonNode json(Path p) {
        try {
            return new ObjectMapper().readTree(Files.readAllBytes(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] a = new int[array.size()];
        for (int i = 0; i < a.length; i++) a[i] = array.get(i).asInt();
        return a;
    }

    public static double[] doubles(JsonNode array) {
        double[] a = new double[array.size()];
        for (int i = 0; i < a.length; i++) a[i] = array.get(i).asDouble();
        return a;
    }
}
