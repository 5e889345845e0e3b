package mistral.engine.api;

/**
 * What a generation produced, with timings for the prefill and decode phases.
 *
 * @param promptIds    the ids the model was given (for a conversation turn: the whole conversation)
 * @param prefilled    how many of them were run through the model for this call (the rest were cached)
 * @param logprobs     log P(generated token | everything before it), from the logits before temperature
 * @param profileTable per-kernel times of the session so far, as a table; empty unless the model was loaded with profiling
 */
public record GenerationResult(int[] promptIds, int prefilled, int[] generatedIds, double[] logprobs, String text,
                               StopReason stopReason, long prefillNanos, long decodeNanos, String profileTable) {
    public double prefillTokensPerSecond() {
        return prefilled / (prefillNanos / 1e9);
    }

    public double decodeTokensPerSecond() {
        return generatedIds.length <= 1 ? 0 : (generatedIds.length - 1) / (decodeNanos / 1e9);
    }
}
