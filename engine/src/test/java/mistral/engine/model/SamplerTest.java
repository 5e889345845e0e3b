package mistral.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final int VOCAB = 32000;

    /** Ranks every token with a full sort, as the definition reads: the sampler must pick the same tokens. */
    private static final class FullSortSampler {
        private final SamplingOptions options;
        private final SplittableRandom random;

        FullSortSampler(SamplingOptions options) {
            this.options = options;
            this.random = new SplittableRandom(options.seed());
        }

        int sample(float[] logits) {
            int n = logits.length;
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
            int keep = options.topK() > 0 ? Math.min(options.topK(), n) : n;
            double max = logits[order[0]];
            double[] p = new double[keep];
            double sum = 0;
            for (int i = 0; i < keep; i++) {
                p[i] = Math.exp((logits[order[i]] - max) / options.temperature());
                sum += p[i];
            }
            if (options.topP() < 1f) {
                double cumulative = 0;
                int cut = keep;
                for (int i = 0; i < keep; i++) {
                    cumulative += p[i] / sum;
                    if (cumulative >= options.topP()) {
                        cut = i + 1;
                        break;
                    }
                }
                keep = cut;
                sum = 0;
                for (int i = 0; i < keep; i++) sum += p[i];
            }
            double r = random.nextDouble() * sum;
            for (int i = 0; i < keep; i++) {
                r -= p[i];
                if (r <= 0) return order[i];
            }
            return order[keep - 1];
        }
    }

    private static float[] logits(Random r, double scale) {
        float[] l = new float[VOCAB];
        for (int i = 0; i < l.length; i++) l[i] = (float) (r.nextGaussian() * scale);
        return l;
    }

    private static void assertSameTokens(SamplingOptions options, float[][] steps) {
        Sampler sampler = new Sampler(options);
        FullSortSampler reference = new FullSortSampler(options);
        for (int s = 0; s < steps.length; s++) {
            assertEquals(reference.sample(steps[s]), sampler.sample(steps[s]), "step " + s + " with " + options);
        }
    }

    /** Peaked (a 7B's usual next-token logits), moderate and flat distributions, each 40 steps. */
    private static float[][] steps(long seed) {
        Random r = new Random(seed);
        float[][] steps = new float[120][];
        for (int s = 0; s < steps.length; s++) steps[s] = logits(r, s < 40 ? 4 : s < 80 ? 1.5 : 0.05);
        return steps;
    }

    @Test
    void picksTheTokensOfAFullSortWithTopKTopPAndBoth() {
        float[][] steps = steps(7);
        assertSameTokens(new SamplingOptions(0.8f, 0.95f, 40, 1), steps);
        assertSameTokens(new SamplingOptions(1f, 1f, 50, 2), steps);
        assertSameTokens(new SamplingOptions(0.7f, 0.9f, 0, 3), steps); // the CLI's kind of defaults
        assertSameTokens(new SamplingOptions(0.8f, 0.95f, 0, 4), steps);
        assertSameTokens(new SamplingOptions(1f, 1f, 0, 5), steps); // the OpenAI API's defaults: every token in play
        assertSameTokens(new SamplingOptions(1.5f, 0.5f, 0, 6), steps);
        assertSameTokens(new SamplingOptions(0.01f, 1f, 0, 7), steps);
        assertSameTokens(new SamplingOptions(1f, 1f, VOCAB, 8), steps); // top-k of the whole vocabulary
    }

    @Test
    void tiesRankByIdAndAFlatTopKKeepsTheLowestIds() {
        float[] flat = new float[VOCAB]; // every token equal: the walk goes past the first candidates
        assertSameTokens(new SamplingOptions(1f, 1f, 0, 11), new float[][] {flat, flat, flat, flat});
        Sampler topK = new Sampler(new SamplingOptions(1f, 1f, 3, 12));
        for (int i = 0; i < 300; i++) assertTrue(topK.sample(flat) < 3);
        float[] zeros = new float[8];
        zeros[5] = -0f; // -0.0 ties with 0.0
        assertSameTokens(new SamplingOptions(1f, 1f, 6, 13), new float[][] {zeros, zeros, zeros});
    }

    @Test
    void neverLeavesTheNucleus() {
        float[] l = new float[VOCAB];
        Arrays.fill(l, -10f);
        l[100] = 5f; // weight 1
        l[200] = 5f - (float) Math.log(3); // weight 1/3; the other 31998 weigh e^-15 each, 0.01 in all
        // token 100 alone holds 0.74 of the weight, with 200 0.99: top-p 0.8 keeps those two
        Sampler sampler = new Sampler(new SamplingOptions(1f, 0.8f, 0, 21));
        int first = 0;
        for (int i = 0; i < 2000; i++) {
            int t = sampler.sample(l);
            assertTrue(t == 100 || t == 200, "token " + t + " is outside the nucleus");
            if (t == 100) first++;
        }
        assertEquals(0.75, first / 2000.0, 0.03); // renormalized over the nucleus: 1 / (1 + 1/3)
    }

    @Test
    void drawsInProportionToTheSoftmax() {
        float[] l = new float[VOCAB];
        Arrays.fill(l, Float.NEGATIVE_INFINITY); // masked tokens weigh nothing
        l[1] = 0f;
        l[2] = (float) Math.log(2);
        l[3] = (float) Math.log(5);
        Sampler sampler = new Sampler(new SamplingOptions(1f, 1f, 0, 31));
        int[] counts = new int[4];
        for (int i = 0; i < 8000; i++) counts[sampler.sample(l)]++;
        assertEquals(1 / 8.0, counts[1] / 8000.0, 0.015);
        assertEquals(2 / 8.0, counts[2] / 8000.0, 0.015);
        assertEquals(5 / 8.0, counts[3] / 8000.0, 0.015);
    }

    @Test
    void temperatureZeroIsArgmaxWithTiesToTheLowestId() {
        float[] l = {1f, 3f, 2f, 3f};
        assertEquals(1, new Sampler(SamplingOptions.GREEDY).sample(l));
        assertEquals(1, Sampler.argmax(l));
    }
}
