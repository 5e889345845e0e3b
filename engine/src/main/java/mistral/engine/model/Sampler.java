package mistral.engine.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token: greedy at temperature 0, else temperature, top-k and top-p (nucleus). */
public final class Sampler {
    private final SamplingOptions options;
    private final SplittableRandom random;

    public Sampler(SamplingOptions options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
    }

    /** Ties go to the lowest id, as the reference's argmax does. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    public int sample(float[] logits) {
        if (options.temperature() == 0f) return argmax(logits);
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
