package mistral.engine.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import mistral.engine.Fixtures;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import mistral.engine.model.InferenceSession;
import mistral.tasks.Devices;
import mistral.tasks.graph.Task.Rows;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole model through --device tornado against the reference. Runs with mvn -P tornado
 * (TORNADOVM_HOME set); elsewhere it is skipped, since TornadoVM cannot be installed from the
 * registries CI reaches.
 */
class TornadoModelTest {
    static final LoadOptions TORNADO = LoadOptions.defaults().withDevice("tornado");

    @BeforeAll
    static void requireTornado() {
        Devices.tornadoUnavailable().ifPresent(why -> Assumptions.abort("TornadoVM tests skipped: " + why));
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0"})
    void logProbsMatchTheReferenceAndGreedyIsExact(String type) {
        JsonNode ref = Fixtures.reference(type);
        try (MistralModel m = MistralModel.load(Fixtures.model(type), TORNADO)) {
            JsonNode prompt = ref.get("prompts").get(0);
            double[] expected = Fixtures.doubles(prompt.get("next_token_logprob"));
            double[] actual = m.score(Fixtures.ints(prompt.get("token_ids")), 0).logprobs();
            double max = 0;
            for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - actual[i]));
            System.out.printf("tornado %s: max abs %.2e%n", type, max);
            assertTrue(max < 1e-3, type + " max abs diff " + max);
            JsonNode g = ref.get("greedy").get(0);
            int[] gen = Fixtures.ints(g.get("generated_ids"));
            assertArrayEquals(gen, m.generate(Fixtures.ints(g.get("prompt_token_ids")), GenerateOptions.greedy(gen.length), (id, t) -> { })
                    .generatedIds(), type + " greedy");
        }
    }

    @Test
    void chunkedPrefillEqualsTokenByToken() {
        int[] ids = Fixtures.ints(Fixtures.reference("f32").get("prompts").get(1).get("token_ids"));
        try (MistralModel m = MistralModel.load(Fixtures.model("f32"), TORNADO)) {
            float[][] one = logits(m, ids, 1), chunked = logits(m, ids, 7);
            double max = 0;
            for (int p = 0; p < ids.length; p++) {
                for (int i = 0; i < one[p].length; i++) max = Math.max(max, Math.abs(one[p][i] - chunked[p][i]));
            }
            assertTrue(max < 1e-4, "chunk 7 vs 1: " + max);
        }
    }

    static float[][] logits(MistralModel m, int[] ids, int chunk) {
        float[][] out = new float[ids.length][];
        try (InferenceSession s = m.session(chunk, Rows.ALL, 0)) {
            s.feed(ids, 0, ids.length, (pos, l) -> out[pos] = l.clone());
        }
        return out;
    }
}
