package mistral.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import mistral.engine.Fixtures;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import mistral.engine.api.ScoreResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tiny fixtures against the official Mistral reference implementation's numbers. */
class ReferenceParityTest {

    /**
     * Every file here runs on its own weights against the reference, so quantized ones are held to
     * the same bound: float32 noise, measured below 5e-6 (docs/accuracy.md), with a 10x margin for
     * other summation orders (AVX2, more threads).
     */
    static final double MAX_ABS = 5e-5;

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0"})
    void logProbsMatchTheReference(String type) {
        JsonNode ref = Fixtures.reference(type);
        try (MistralModel m = MistralModel.load(Fixtures.model(type), LoadOptions.defaults())) {
            assertEquals(32, m.config().slidingWindow());
            for (JsonNode prompt : ref.get("prompts")) {
                int[] ids = Fixtures.ints(prompt.get("token_ids"));
                assertArrayEquals(java.util.Arrays.copyOfRange(ids, 1, ids.length), m.tokenizer().encode(prompt.get("text").asText()));
                double[] expected = Fixtures.doubles(prompt.get("next_token_logprob"));
                ScoreResult r = m.score(ids, 0);
                double max = 0, sum = 0;
                for (int i = 0; i < expected.length; i++) {
                    double d = Math.abs(expected[i] - r.logprobs()[i]);
                    max = Math.max(max, d);
                    sum += d;
                }
                double mean = sum / expected.length;
                System.out.printf("%s %s: max abs %.2e, mean abs %.2e%n", type, prompt.get("name").asText(), max, mean);
                assertTrue(max < MAX_ABS, type + " " + prompt.get("name") + " max abs diff " + max);
                assertEquals(prompt.get("perplexity").asDouble(), r.perplexity(), prompt.get("perplexity").asDouble() * 1e-3);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0"})
    void greedyContinuationsAreExact(String type) {
        JsonNode ref = Fixtures.reference(type);
        try (MistralModel m = MistralModel.load(Fixtures.model(type), LoadOptions.defaults())) {
            for (JsonNode g : ref.get("greedy")) {
                int[] prompt = Fixtures.ints(g.get("prompt_token_ids"));
                int[] expected = Fixtures.ints(g.get("generated_ids"));
                GenerationResult r = m.generate(prompt, GenerateOptions.greedy(expected.length), (id, text) -> { });
                assertArrayEquals(expected, r.generatedIds(), type + " " + g.get("name"));
                // the reference decodes the continuation on its own (leading space dropped); ours continues the prompt
                assertEquals(g.get("full_text").asText(), g.get("prompt_text").asText() + r.text());
            }
        }
    }
}
