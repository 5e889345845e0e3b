package mistral.tasks.graph;

import java.util.List;

/**
 * The only values that change between runs of a plan: which tokens of which sequences the run
 * holds. The chunk's tokens are segments laid end to end, one per sequence: segment i's n tokens
 * start at absolute position pos of its sequence and at token {@code first} of the chunk.
 * Decoding one sequence is a chunk of one token; a batched step is several segments (a prefill
 * chunk of one sequence beside one-token decodes of others).
 */
public final class Step {
    /** n tokens of sequence {@code sequence} (its KV cache slot) from absolute position pos, at chunk token first. */
    public record Segment(int sequence, int pos, int n, int first) {
        public Segment {
            if (sequence < 0 || pos < 0 || n <= 0 || first < 0) {
                throw new IllegalArgumentException("bad segment sequence=" + sequence + " pos=" + pos + " n=" + n);
            }
        }

        /** Absolute position of chunk token t (first <= t < first + n). */
        public int position(int t) {
            return pos + t - first;
        }
    }

    private final List<Segment> segments;
    private final int n;

    /** One sequence (slot 0): n tokens from position pos. */
    public Step(int pos, int n) {
        this(List.of(new Segment(0, pos, n, 0)));
    }

    private Step(List<Segment> segments) {
        this.segments = segments;
        this.n = segments.getLast().first() + segments.getLast().n();
    }

    /**
     * Several sequences in one run, in chunk order: {@code sequences[i]} gets {@code counts[i]}
     * tokens from position {@code positions[i]}. A sequence appears at most once.
     */
    public static Step batch(int[] sequences, int[] positions, int[] counts, int size) {
        if (size <= 0) throw new IllegalArgumentException("a step needs at least one segment");
        Segment[] s = new Segment[size];
        int first = 0;
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < i; j++) {
                if (sequences[j] == sequences[i]) throw new IllegalArgumentException("sequence " + sequences[i] + " twice in one step");
            }
            s[i] = new Segment(sequences[i], positions[i], counts[i], first);
            first += counts[i];
        }
        return new Step(List.of(s));
    }

    /** Tokens in the chunk, all segments together. */
    public int n() {
        return n;
    }

    /** The start position of a single-sequence step. */
    public int pos() {
        if (segments.size() != 1) throw new IllegalStateException("a step of " + segments.size() + " sequences has no single position");
        return segments.getFirst().pos();
    }

    public List<Segment> segments() {
        return segments;
    }

    /** Whether every segment is one token (a pure decode step). */
    public boolean decodeOnly() {
        return n == segments.size();
    }

    @Override
    public String toString() {
        return "Step" + segments;
    }
}
