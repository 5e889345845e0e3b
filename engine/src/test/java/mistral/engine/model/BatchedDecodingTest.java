package mistral.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import mistral.engine.Fixtures;
import mistral.engine.api.Batch;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Batched steps on the Java backend give every sequence what it gets alone (the same script runs on OpenCL in OpenClBatchTest). */
class BatchedDecodingTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0"})
    void eachSequenceInABatchEqualsItsOwnRun(String type) {
        try (MistralModel m = MistralModel.load(Fixtures.model(type), LoadOptions.defaults())) {
            int[] ids = Fixtures.ints(Fixtures.reference(type).get("prompts").get(0).get("token_ids"));
            BatchScript.Outcome o = BatchScript.run(m, ids, 1e-5);
            assertEquals(BatchScript.SEQUENCES, o.maxSegments(), "steps held all three sequences");
            assertTrue(o.maxPosition() > 2 * m.config().slidingWindow(), "past the window: " + o.maxPosition());
            System.out.printf("batched vs alone, %s: max diff %.2e over %d steps%n", type, o.maxDiff(), o.steps());
        }
    }

    /**
     * The scheduler: five prompts through three lanes (two wait, then join as others finish)
     * give the texts and ids that each prompt gets alone, greedy, and steps held several sequences.
     */
    @Test
    void batchGenerateEqualsGeneratingEachPromptAlone() {
        try (MistralModel m = MistralModel.load(Fixtures.model("q8_0"), LoadOptions.defaults())) {
            List<String> prompts = List.of("Once upon a time", "The capital of", "A B C D E F G H I J K L M N O P", "x", "1 2 3");
            GenerateOptions options = GenerateOptions.greedy(40);
            List<GenerationResult> alone = new ArrayList<>();
            for (String p : prompts) alone.add(m.generate(p, options, (id, text) -> { }));
            try (Batch batch = m.batch(3, 0)) {
                List<GenerationResult> batched = batch.generate(prompts, options);
                for (int i = 0; i < prompts.size(); i++) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(alone.get(i).generatedIds(), batched.get(i).generatedIds(), prompts.get(i));
                    assertEquals(alone.get(i).text(), batched.get(i).text());
                    double[] a = alone.get(i).logprobs(), b = batched.get(i).logprobs();
                    for (int t = 0; t < a.length; t++) assertEquals(a[t], b[t], 1e-5, prompts.get(i) + " token " + t);
                }
                assertTrue(batch.stats().sequencesPerStep() > 1.5, "steps shared: " + batch.stats());
            }
        }
    }
}
