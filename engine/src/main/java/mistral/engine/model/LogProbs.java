package mistral.engine.model;

/** log-softmax in double precision over float logits, as the reference computes it. */
public final class LogProbs {
    private LogProbs() {
    }

    public static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        return max + Math.log(sum);
    }

    public static double of(float[] logits, int token) {
        return logits[token] - logSumExp(logits);
    }
}
