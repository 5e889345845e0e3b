package mistral.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import mistral.engine.model.ModelConfig;
import mistral.engine.model.Preset;
import mistral.engine.synth.SyntheticModel;
import mistral.tasks.TensorType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java backend regroups Q4_0 matrices at load (Q4_0_X4); with --mmap it reads the file's
 * Q4_0 as stored (whose parity with the official reference ReferenceParityTest checks). Both must
 * give the same model: log-probs within float rounding, the same greedy tokens, in decode (one
 * token per step) and in chunked prefill.
 */
class RegroupedWeightsTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void synthesize() throws Exception {
        ModelConfig p = Preset.load("tiny-mistral-a").config();
        // dim and hidden are whole 128-weight groups, so every matrix regroups
        ModelConfig c = new ModelConfig(256, 2, 8, 2, 32, 512, 2000, p.normEps(), 10000f, 256, 24, "regroup-test");
        model = dir.resolve("q4.gguf");
        SyntheticModel.write(c, TensorType.Q4_0, 5, model, 2, line -> { });
    }

    private static MistralModel load(boolean mmap) {
        return MistralModel.load(model, LoadOptions.builder().threads(2).mmapWeights(mmap).build());
    }

    @Test
    void regroupedAndStoredQ4_0GiveTheSameModel() {
        try (MistralModel regrouped = load(false); MistralModel stored = load(true)) {
            assertEquals(TensorType.Q4_0_X4, regrouped.weights().layers().get(1).w2().type());
            assertEquals(TensorType.Q6_K_I8, regrouped.weights().output().type()); // synth writes Q6_K there, as llama-quantize does
            assertEquals(TensorType.Q4_0, stored.weights().layers().get(1).w2().type());
            assertEquals(stored.weightBytesPerToken(), regrouped.weightBytesPerToken(), "bandwidth counts the file's bytes");

            int[] ids = new int[70];
            for (int i = 0; i < ids.length; i++) ids[i] = 1 + (i * 7919) % 1999;
            for (int chunk : new int[] {1, 16}) {
                double[] a = regrouped.score(ids, chunk).logprobs(), b = stored.score(ids, chunk).logprobs();
                for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4, "chunk " + chunk + " token " + i);
            }
            int[] prompt = {1, 300, 301, 302};
            assertArrayEquals(stored.generate(prompt, GenerateOptions.greedy(12), (id, t) -> { }).generatedIds(),
                    regrouped.generate(prompt, GenerateOptions.greedy(12), (id, t) -> { }).generatedIds());
        }
    }
}
