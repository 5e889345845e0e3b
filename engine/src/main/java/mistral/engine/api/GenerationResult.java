package mistral.engine.api;

import mistral.tasks.graph.Profile;

/**
 * What {@link MistralModel#generate} produced, with timings for the prefill and decode phases and
 * per-kernel times when the model was loaded with profiling.
 */
public record GenerationResult(int[] promptIds, int[] generatedIds, String text, String stopReason,
                               long prefillNanos, long decodeNanos, Profile profile) {
    public double prefillTokensPerSecond() {
        return promptIds.length / (prefillNanos / 1e9);
    }

    public double decodeTokensPerSecond() {
        return generatedIds.length <= 1 ? 0 : (generatedIds.length - 1) / (decodeNanos / 1e9);
    }
}
