package mistral.engine.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import mistral.engine.Fixtures;
import mistral.engine.api.Conversation;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import mistral.engine.model.InferenceSession;
import mistral.tasks.graph.Task.Rows;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole model through --device opencl against the reference (PoCL here and in CI). */
class OpenClModelTest {
    static final LoadOptions OPENCL = LoadOptions.defaults().withDevice("opencl");

    @BeforeAll
    static void requireOpenCl() {
        RequireOpenCl.orSkip();
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0"})
    void logProbsMatchTheReference(String type) {
        JsonNode ref = Fixtures.reference(type);
        try (MistralModel m = MistralModel.load(Fixtures.model(type), OPENCL)) {
            for (JsonNode prompt : ref.get("prompts")) {
                double[] expected = Fixtures.doubles(prompt.get("next_token_logprob"));
                double[] actual = m.score(Fixtures.ints(prompt.get("token_ids")), 0).logprobs();
                double max = 0, sum = 0;
                for (int i = 0; i < expected.length; i++) {
                    max = Math.max(max, Math.abs(expected[i] - actual[i]));
                    sum += Math.abs(expected[i] - actual[i]);
                }
                System.out.printf("opencl %s %s: max abs %.2e, mean abs %.2e%n", type, prompt.get("name").asText(), max, sum / expected.length);
                assertTrue(max < 1e-3, type + " max abs diff " + max);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0"})
    void greedyContinuationsAreExact(String type) {
        try (MistralModel m = MistralModel.load(Fixtures.model(type), OPENCL)) {
            for (JsonNode g : Fixtures.reference(type).get("greedy")) {
                int[] expected = Fixtures.ints(g.get("generated_ids"));
                int[] actual = m.generate(Fixtures.ints(g.get("prompt_token_ids")), GenerateOptions.greedy(expected.length),
                        (id, t) -> { }).generatedIds();
                assertArrayEquals(expected, actual, type + " " + g.get("name"));
            }
        }
    }

    @Test
    void chunkedPrefillEqualsTokenByTokenAndTheJavaBackend() {
        int[] ids = Fixtures.ints(Fixtures.reference("f16").get("prompts").get(1).get("token_ids"));
        float[][] java = logits(LoadOptions.defaults(), ids, 1);
        try (MistralModel m = MistralModel.load(Fixtures.model("f16"), OPENCL)) {
            for (int chunk : new int[] {1, 7, 32, 400}) {
                float[][] cl = new float[ids.length][];
                try (InferenceSession s = m.session(chunk, Rows.ALL, 0)) {
                    s.feed(ids, 0, ids.length, (pos, l) -> cl[pos] = l.clone());
                }
                double max = 0;
                for (int p = 0; p < ids.length; p++) {
                    for (int i = 0; i < cl[p].length; i++) max = Math.max(max, Math.abs(cl[p][i] - java[p][i]));
                }
                assertTrue(max < 1e-4, "chunk " + chunk + ": max logit diff vs Java token-by-token " + max);
            }
        }
    }

    /**
     * The model uploads its weights once: sessions hold only their activations and cache, several
     * live at once, and a conversation's cached turns answer as the Java backend does.
     */
    @Test
    void sessionsShareTheModelsWeights() {
        try (MistralModel cl = MistralModel.load(Fixtures.model("q8_0"), OPENCL);
             MistralModel java = MistralModel.load(Fixtures.model("q8_0"), LoadOptions.defaults());
             InferenceSession a = cl.session(0, Rows.LAST, 0); InferenceSession b = cl.session(0, Rows.LAST, 0)) {
            assertEquals(cl.weights().tensors().stream().mapToLong(t -> t.byteSize()).sum(), cl.deviceWeightBytes());
            long own = a.executor().deviceBytes();
            assertTrue(own < cl.deviceWeightBytes() && own >= a.cache().bytes(), own + " bytes of its own");
            assertEquals(own, b.executor().deviceBytes());
            assertArrayEquals(a.next(1, 400, 17), b.next(1, 400, 17));
            try (Conversation onCl = cl.chat("Speak as the Preacher.", false); Conversation onJava = java.chat("Speak as the Preacher.", false)) {
                for (String q : new String[] {"Vanity of vanities", "What profit hath a man"}) {
                    GenerationResult x = onCl.send(q, GenerateOptions.greedy(16), (id, t) -> { });
                    GenerationResult y = onJava.send(q, GenerateOptions.greedy(16), (id, t) -> { });
                    assertArrayEquals(y.generatedIds(), x.generatedIds(), q);
                    assertEquals(y.prefilled(), x.prefilled());
                }
            }
        }
    }

    static float[][] logits(LoadOptions o, int[] ids, int chunk) {
        float[][] out = new float[ids.length][];
        try (MistralModel m = MistralModel.load(Fixtures.model("f16"), o); InferenceSession s = m.session(chunk, Rows.ALL, 0)) {
            s.feed(ids, 0, ids.length, (pos, l) -> out[pos] = l.clone());
        }
        return out;
    }
}
