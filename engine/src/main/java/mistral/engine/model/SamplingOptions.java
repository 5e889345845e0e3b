package mistral.engine.model;

/** temperature 0 = greedy; topK 0 = off; topP 1 = off. */
public record SamplingOptions(float temperature, float topP, int topK, long seed) {
    public static final SamplingOptions GREEDY = new SamplingOptions(0f, 1f, 0, 0);

    public SamplingOptions {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) throw new IllegalArgumentException("--temperature must be >= 0, got " + temperature);
        if (!(topP > 0f && topP <= 1f)) throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        if (topK < 0) throw new IllegalArgumentException("--top-k must be >= 0, got " + topK);
    }
}
