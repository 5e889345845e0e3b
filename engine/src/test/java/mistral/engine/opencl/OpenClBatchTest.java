package mistral.engine.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import mistral.engine.Fixtures;
import mistral.engine.api.Batch;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import mistral.engine.model.BatchScript;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The batched-step script and the scheduler on the OpenCL device (PoCL in CI). */
class OpenClBatchTest {
    static final LoadOptions OPENCL = LoadOptions.defaults().withDevice("opencl");

    @BeforeEach
    void needsOpenCl() {
        RequireOpenCl.orSkip();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0"})
    void eachSequenceInABatchEqualsItsOwnRun(String type) {
        try (MistralModel m = MistralModel.load(Fixtures.model(type), OPENCL)) {
            int[] ids = Fixtures.ints(Fixtures.reference(type).get("prompts").get(0).get("token_ids"));
            BatchScript.Outcome o = BatchScript.run(m, ids, 1e-5);
            assertEquals(BatchScript.SEQUENCES, o.maxSegments());
            assertTrue(o.maxPosition() > 2 * m.config().slidingWindow(), "past the window: " + o.maxPosition());
            System.out.printf("opencl batched vs alone, %s: max diff %.2e over %d steps%n", type, o.maxDiff(), o.steps());
        }
    }

    @Test
    void batchGenerateEqualsGeneratingEachPromptAlone() {
        try (MistralModel m = MistralModel.load(Fixtures.model("q4_0"), OPENCL)) {
            List<String> prompts = List.of("Once upon a time", "The capital of", "x", "1 2 3");
            GenerateOptions options = GenerateOptions.greedy(30);
            try (Batch batch = m.batch(2, 0)) {
                List<GenerationResult> batched = batch.generate(prompts, options);
                for (int i = 0; i < prompts.size(); i++) {
                    GenerationResult alone = m.generate(prompts.get(i), options, (id, text) -> { });
                    assertArrayEquals(alone.generatedIds(), batched.get(i).generatedIds(), prompts.get(i));
                    for (int t = 0; t < alone.logprobs().length; t++) {
                        assertEquals(alone.logprobs()[t], batched.get(i).logprobs()[t], 1e-5, prompts.get(i) + " token " + t);
                    }
                }
                assertTrue(batch.stats().sequencesPerStep() > 1.2, "steps shared: " + batch.stats());
            }
        }
    }
}
