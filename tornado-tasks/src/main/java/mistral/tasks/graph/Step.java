package mistral.tasks.graph;

/**
 * The only values that change between runs of a plan: the chunk of {@code n} tokens starts at
 * absolute position {@code pos}. Decoding is a chunk of one.
 */
public record Step(int pos, int n) {
    public Step {
        if (pos < 0 || n <= 0) throw new IllegalArgumentException("bad step pos=" + pos + " n=" + n);
    }
}
