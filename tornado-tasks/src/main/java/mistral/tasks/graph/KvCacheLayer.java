package mistral.tasks.graph;

/**
 * One layer's keys and values for {@code sequences} sequences: sequence s owns rows
 * [s * slots, (s + 1) * slots), each of {@code kvDim} floats.
 */
public record KvCacheLayer(F32Buffer keys, F32Buffer values, int slots, int kvDim, int sequences) {
    public KvCacheLayer {
        if (slots <= 0 || kvDim <= 0 || sequences <= 0) throw new IllegalArgumentException("bad cache shape");
    }

    /** A single sequence's cache. */
    public KvCacheLayer(F32Buffer keys, F32Buffer values, int slots, int kvDim) {
        this(keys, values, slots, kvDim, 1);
    }

    /** First row of a sequence's slots. */
    public int base(int sequence) {
        if (sequence >= sequences) throw new IllegalArgumentException("sequence " + sequence + " of a cache for " + sequences);
        return sequence * slots;
    }
}
