package mistral.engine.api;

import mistral.engine.model.SamplingOptions;

/** @param chunkSize prefill chunk; 0 = the default (the sliding window) */
public record GenerateOptions(int maxTokens, SamplingOptions sampling, int chunkSize) {
    public GenerateOptions {
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        if (chunkSize < 0) throw new IllegalArgumentException("--chunk-size must be positive, got " + chunkSize);
    }

    public static GenerateOptions greedy(int maxTokens) {
        return new GenerateOptions(maxTokens, SamplingOptions.GREEDY, 0);
    }
}
