package mistral.engine.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token: greedy at temperature 0, else temperature, top-k and top-p (nucleus).
 *
 * <p>The tokens are ranked by logit, ties to the lower id; top-k keeps the k first, each kept
 * token weighs exp((logit - max) / temperature), top-p keeps the shortest prefix of the ranking
 * whose share of the weight reaches p, and one uniform draw walks that prefix in rank order.
 * Only the part of the ranking the draw can reach is sorted: the tokens within a few temperatures
 * of the best, more only where those do not cover the draw. Sorting all 32000 ids took 5.3-5.6 ms
 * a token (JMH {@code SamplerBenchmark}), two fifths of a decode step on an H100; this takes
 * 0.03-0.8. Without top-k the normalizer is summed over every token in id order, not rank order;
 * with top-k every sum runs in rank order.
 */
public final class Sampler {
    /** The first candidates: logits within this many temperatures of the best (weight >= e^-8). */
    private static final double FIRST_SPAN = 8;

    private final SamplingOptions options;
    private final SplittableRandom random;
    private long[] ranked = new long[0];
    private double[] weights = new double[0];

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
        double temperature = options.temperature();
        double max = logits[argmax(logits)];
        int k = options.topK() > 0 ? Math.min(options.topK(), n) : n;
        double total = k < n ? Double.NaN : weightOfAll(logits, max, temperature);
        double u = random.nextDouble();
        for (double span = FIRST_SPAN; ; span *= 4) {
            boolean all = span > 1e6;
            int count = rank(logits, all ? Float.NEGATIVE_INFINITY : (float) (max - span * temperature));
            if (count == 0) return argmax(logits); // every logit NaN
            if (k < n && count < k && !all) continue; // top-k needs its k tokens ranked
            int keep = Math.min(k, count);
            if (weights.length < keep) weights = new double[logits.length];
            double[] p = weights;
            double sum = 0;
            for (int i = 0; i < keep; i++) {
                p[i] = Math.exp((logits[id(ranked[i])] - max) / temperature);
                sum += p[i];
            }
            double mass = k < n ? sum : total;
            if (options.topP() < 1f) {
                int cut = nucleus(p, keep, mass, options.topP());
                if (cut < 0 && keep < k) continue; // the nucleus reaches past the ranked tokens
                if (cut > 0) {
                    keep = cut;
                    sum = 0;
                    for (int i = 0; i < keep; i++) sum += p[i];
                }
                mass = sum;
            }
            double r = u * mass;
            for (int i = 0; i < keep; i++) {
                r -= p[i];
                if (r <= 0) return id(ranked[i]);
            }
            if (keep == k || all) return id(ranked[keep - 1]); // what rounding leaves over goes to the last
        }
    }

    /** Sum of exp((logit - max) / temperature) over every token, in id order. */
    private static double weightOfAll(float[] logits, double max, double temperature) {
        double total = 0;
        for (float l : logits) total += Math.exp((l - max) / temperature);
        return total;
    }

    /** Length of the shortest prefix of p whose share of mass reaches topP, or -1 if its first keep do not. */
    private static int nucleus(double[] p, int keep, double mass, float topP) {
        double cumulative = 0;
        for (int i = 0; i < keep; i++) {
            cumulative += p[i] / mass;
            if (cumulative >= topP) return i + 1;
        }
        return -1;
    }

    /**
     * Puts the tokens with a logit of at least threshold into {@link #ranked} in rank order (logit
     * descending, then id ascending) and returns how many there are.
     */
    private int rank(float[] logits, float threshold) {
        if (ranked.length < logits.length) ranked = new long[logits.length];
        int count = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] >= threshold) ranked[count++] = key(logits[i], i);
        }
        Arrays.sort(ranked, 0, count);
        return count;
    }

    /** A long that sorts ascending by logit descending, then by id: the logit's ordered bits, inverted, over the id. */
    private static long key(float logit, int id) {
        int bits = Float.floatToRawIntBits(logit == 0f ? 0f : logit); // -0.0 ranks as 0.0
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | id;
    }

    private static int id(long key) {
        return (int) key;
    }
}
