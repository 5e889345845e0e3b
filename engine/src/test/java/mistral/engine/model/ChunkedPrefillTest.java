package mistral.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import mistral.engine.Fixtures;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import mistral.tasks.graph.Task.Rows;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Chunked prefill and the rolling buffer must not change a single logit beyond float noise. */
class ChunkedPrefillTest {
    static MistralModel model;
    static int[] ids;
    static float[][] tokenByToken;

    @BeforeAll
    static void decodeTokenByToken() {
        model = MistralModel.load(Fixtures.model("f32"), LoadOptions.defaults());
        JsonNode prompt = Fixtures.reference("f32").get("prompts").get(0);
        ids = Fixtures.ints(prompt.get("token_ids"));
        tokenByToken = logits(1, 0);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static float[][] logits(int chunk, int slots) {
        float[][] out = new float[ids.length][];
        try (InferenceSession s = model.session(chunk, Rows.ALL, slots)) {
            s.feed(ids, 0, ids.length, (pos, l) -> out[pos] = l.clone());
        }
        return out;
    }

    static double maxDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int p = 0; p < a.length; p++) {
            for (int i = 0; i < a[p].length; i++) max = Math.max(max, Math.abs(a[p][i] - b[p][i]));
        }
        return max;
    }

    @ParameterizedTest(name = "chunk {0}")
    @ValueSource(ints = {7, 32, 33, 100, 400})
    void chunkedPrefillEqualsTokenByToken(int chunk) {
        assertTrue(ids.length > 3 * 32, "the prompt must span several windows");
        double d = maxDiff(tokenByToken, logits(chunk, 0));
        assertTrue(d < 1e-4, "chunk " + chunk + ": max logit diff " + d);
    }

    @Test
    void rollingBufferEqualsFullCacheWithMaskedWindow() {
        assertEquals(32, model.config().slidingWindow());
        try (InferenceSession rolling = model.session(1, Rows.ALL, 0)) {
            assertEquals(32, rolling.cache().slots());
        }
        try (InferenceSession full = model.session(1, Rows.ALL, 4096)) {
            assertEquals(4096, full.cache().slots());
        }
        float[][] full = logits(1, 4096); // a slot per position: nothing is ever overwritten
        // not bit-equal: the Vector API's lane reductions sum in a different order before and after
        // C2 compiles them; a cache that loses or misplaces a position changes logits by > 0.1
        assertTrue(maxDiff(tokenByToken, full) < 1e-5, "full cache vs rolling buffer");
        assertTrue(maxDiff(tokenByToken, logits(7, 4096)) < 1e-4);
    }

    @Test
    void withoutTheWindowTheResultsDiffer() {
        // guards against a window that silently does nothing: the reference's full-attention
        // control differs by nats from position 32 on
        try (MistralModel full = MistralModel.load(Fixtures.model("f32"), LoadOptions.defaults().withSlidingWindow(0))) {
            JsonNode prompt = Fixtures.reference("f32").get("prompts").get(0);
            double[] control = Fixtures.doubles(prompt.get("control_full_attention").get("next_token_logprob"));
            double[] lp = full.score(ids, 0).logprobs();
            double max = 0;
            for (int i = 0; i < control.length; i++) max = Math.max(max, Math.abs(control[i] - lp[i]));
            assertTrue(max < 1e-3, "full attention vs reference control: " + max);
            try (InferenceSession s = full.session(0, Rows.LAST, 0)) {
                assertEquals(full.config().contextLength(), s.cache().slots());
            }
        }
    }
}
