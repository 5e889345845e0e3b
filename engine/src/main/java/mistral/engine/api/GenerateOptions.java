package mistral.engine.api;

import mistral.engine.model.SamplingOptions;

/**
 * @param chunkSize    prefill chunk; 0 = the default (the sliding window)
 * @param cancellation checked before each token; null = none
 */
public record GenerateOptions(int maxTokens, SamplingOptions sampling, int chunkSize, Cancellation cancellation) {
    public GenerateOptions {
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        if (chunkSize < 0) throw new IllegalArgumentException("--chunk-size must be positive, got " + chunkSize);
        if (sampling == null) sampling = SamplingOptions.GREEDY;
    }

    public GenerateOptions(int maxTokens, SamplingOptions sampling, int chunkSize) {
        this(maxTokens, sampling, chunkSize, null);
    }

    public static GenerateOptions greedy(int maxTokens) {
        return new GenerateOptions(maxTokens, SamplingOptions.GREEDY, 0, null);
    }

    public GenerateOptions withCancellation(Cancellation c) {
        return new GenerateOptions(maxTokens, sampling, chunkSize, c);
    }

    public GenerateOptions withMaxTokens(int n) {
        return new GenerateOptions(n, sampling, chunkSize, cancellation);
    }

    boolean cancelled() {
        return cancellation != null && cancellation.isCancelled();
    }
}
