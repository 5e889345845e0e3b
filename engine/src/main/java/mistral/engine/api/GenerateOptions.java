package mistral.engine.api;

import mistral.engine.model.SamplingOptions;

/**
 * @param chunkSize    prefill chunk; 0 = the default (the sliding window)
 * @param cancellation checked before each token; null = none
 * @param topLogprobs  how many of the most likely tokens the listener hears of at each position (0-20)
 */
public record GenerateOptions(int maxTokens, SamplingOptions sampling, int chunkSize, Cancellation cancellation, int topLogprobs) {
    public static final int MAX_TOP_LOGPROBS = 20;

    public GenerateOptions {
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        if (chunkSize < 0) throw new IllegalArgumentException("--chunk-size must be positive, got " + chunkSize);
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) throw new IllegalArgumentException("top logprobs must be 0.." + MAX_TOP_LOGPROBS + ", got " + topLogprobs);
        if (sampling == null) sampling = SamplingOptions.GREEDY;
    }

    public GenerateOptions(int maxTokens, SamplingOptions sampling, int chunkSize) {
        this(maxTokens, sampling, chunkSize, null, 0);
    }

    public static GenerateOptions greedy(int maxTokens) {
        return new GenerateOptions(maxTokens, SamplingOptions.GREEDY, 0, null, 0);
    }

    public GenerateOptions withCancellation(Cancellation c) {
        return new GenerateOptions(maxTokens, sampling, chunkSize, c, topLogprobs);
    }

    public GenerateOptions withMaxTokens(int n) {
        return new GenerateOptions(n, sampling, chunkSize, cancellation, topLogprobs);
    }

    public GenerateOptions withTopLogprobs(int n) {
        return new GenerateOptions(maxTokens, sampling, chunkSize, cancellation, n);
    }

    boolean cancelled() {
        return cancellation != null && cancellation.isCancelled();
    }
}
