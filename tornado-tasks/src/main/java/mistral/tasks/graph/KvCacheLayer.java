package mistral.tasks.graph;

/** One layer's keys and values: {@code slots} rows of {@code kvDim} floats each. */
public record KvCacheLayer(F32Buffer keys, F32Buffer values, int slots, int kvDim) {
}
