package mistral.tasks.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * Mistral's rolling-buffer KV cache (paper, section 2): with a sliding window W the cache has W
 * slots per layer and position i lives in slot i mod W, so memory stops growing at W tokens.
 * Without a window (or a window at least as long as the context) it is a plain cache of the context
 * length: the same code with slots = context.
 *
 * @param window keys a query may see, itself included; 0 means no window
 */
public record RollingKvCache(int layers, int kvDim, int slots, int window, int sequences, List<KvCacheLayer> layer) {

    public static RollingKvCache create(int layers, int kvDim, int window, int context) {
        return withSlots(layers, kvDim, window, slotsFor(window, context));
    }

    /** A cache of exactly {@code slots} rows per layer (more than the window is allowed: the mask defines the window). */
    public static RollingKvCache withSlots(int layers, int kvDim, int window, int slots) {
        return forSequences(layers, kvDim, window, slots, 1);
    }

    /** {@code sequences} caches of {@code slots} rows per layer side by side, for batched steps (sequence s owns rows s * slots ...). */
    public static RollingKvCache forSequences(int layers, int kvDim, int window, int slots, int sequences) {
        if (slots <= 0) throw new IllegalArgumentException("slots must be positive");
        if (sequences <= 0) throw new IllegalArgumentException("sequences must be positive");
        List<KvCacheLayer> list = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            list.add(new KvCacheLayer(
                    new F32Buffer("blk." + l + ".cache_k", (long) sequences * slots * kvDim),
                    new F32Buffer("blk." + l + ".cache_v", (long) sequences * slots * kvDim),
                    slots, kvDim, sequences));
        }
        return new RollingKvCache(layers, kvDim, slots, window, sequences, List.copyOf(list));
    }

    /** W slots with a window shorter than the context, else the context length. */
    public static int slotsFor(int window, int context) {
        return window > 0 && window < context ? window : context;
    }

    /** Bytes of keys and values in all layers for a cache of {@code slots} float32 rows. */
    public static long bytes(int layers, int kvDim, int slots) {
        return 2L * layers * slots * kvDim * Float.BYTES;
    }

    /** Bytes of every sequence's keys and values. */
    public long bytes() {
        return sequences * bytes(layers, kvDim, slots);
    }

    /** The cache keeps every key a query can see however far a sequence goes (a window shorter than the context, all its slots). */
    public boolean holdsWindow(int context) {
        return window > 0 && window < context && slots >= window;
    }

    /**
     * Whether a sequence at {@code position} can be cut back to its first {@code p} tokens: the keys
     * the next query sees (the window before p) must still be in their slots. Positions q in
     * [p, position) overwrote q - slots, so this holds while nothing past p + 1 + (slots - window)
     * was written, or nothing has wrapped yet.
     */
    public boolean canRewind(int position, int p) {
        if (p < 0 || p > position) return false;
        int w = window > 0 ? Math.min(window, slots) : slots;
        return position <= slots || position - p <= slots - w + 1;
    }
}
