package mistral.engine.api;

/** logprobs[i] = log P(tokenIds[i + 1] | tokenIds[0..i]). */
public record ScoreResult(int[] tokenIds, double[] logprobs) {
    public double meanNll() {
        double s = 0;
        for (double l : logprobs) s -= l;
        return logprobs.length == 0 ? 0 : s / logprobs.length;
    }

    public double perplexity() {
        return Math.exp(meanNll());
    }
}
