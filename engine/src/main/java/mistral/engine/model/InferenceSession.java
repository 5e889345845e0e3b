package mistral.engine.model;

import mistral.tasks.graph.Backend;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.Profile;
import mistral.tasks.graph.RollingKvCache;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task.Rows;

/**
 * One sequence being processed: the compiled plan on its device, the KV cache, the position.
 * Tokens go in through chunked prefill (chunks of at most {@code chunkSize}); decoding is a chunk of one.
 */
public final class InferenceSession implements Sequence {

    private final ModelConfig config;
    private final Executor executor;
    private final RollingKvCache cache;
    private final int chunkSize;
    private final Rows rows;
    private final float[] chunkLogits;
    private final float[] row;
    private int position;
    private Runnable onClose = () -> { };
    private boolean closed;

    /**
     * @param weights the tensors the plan names ({@code deviceWeights}' view of the file's)
     * @param rows  ALL to get logits for every token (scoring), LAST for the last token of each feed
     * @param slots KV cache slots; 0 = as the window and context require. More slots than the window
     *              keep the same results: the mask, not the buffer size, defines the window.
     */
    public InferenceSession(ModelConfig config, MistralWeights weights, Backend backend, DeviceWeights deviceWeights,
                            int chunkSize, Rows rows, int slots) {
        if (chunkSize <= 0) throw new IllegalArgumentException("--chunk-size must be positive, got " + chunkSize);
        this.config = config;
        this.chunkSize = chunkSize;
        this.rows = rows;
        this.cache = slots > 0
                ? RollingKvCache.withSlots(config.layers(), config.kvDim(), config.slidingWindow(), slots)
                : RollingKvCache.create(config.layers(), config.kvDim(), config.slidingWindow(), config.contextLength());
        ExecutionPlan plan = MistralGraph.build(config, weights, cache, chunkSize, rows);
        this.executor = backend.compile(plan, deviceWeights);
        this.chunkLogits = new float[(rows == Rows.ALL ? chunkSize : 1) * config.vocabSize()];
        this.row = new float[config.vocabSize()];
    }

    public static int defaultChunkSize(ModelConfig c) {
        return c.windowed() ? Math.min(c.slidingWindow(), c.contextLength()) : Math.min(512, c.contextLength());
    }

    public int position() {
        return position;
    }

    public RollingKvCache cache() {
        return cache;
    }

    public Executor executor() {
        return executor;
    }

    @Override
    public Profile profile() {
        return executor.profile();
    }

    /**
     * Tokens that may still be appended: up to the context, or without end when the cache is a
     * rolling buffer that holds the whole window (v0.1 keeps going on its window past the context).
     */
    public int remaining() {
        return SequenceLimits.remaining(cache, config, position);
    }

    /** The cache keeps every key a query can see however far the sequence goes. */
    public boolean rolling() {
        return cache.holdsWindow(config.contextLength());
    }

    public boolean canRewind(int p) {
        return cache.canRewind(position, p);
    }

    /** Cuts the sequence back to its first {@code p} tokens; the next tokens continue from there. */
    public void rewind(int p) {
        SequenceLimits.checkRewind(cache, position, p);
        position = p;
    }

    /** Chunks of at most {@code chunkSize}; the sink gets every token's logits (ALL) or the last one's (LAST). */
    @Override
    public int feed(int[] tokens, int from, int to, LogitsSink sink, java.util.function.BooleanSupplier stop) {
        SequenceLimits.checkRoom(cache, config, position, to - from);
        for (int start = from; start < to; start += chunkSize) {
            if (stop.getAsBoolean()) return start - from;
            int n = Math.min(chunkSize, to - start);
            executor.writeInput(tokens, start, n);
            executor.run(new Step(position, n));
            position += n;
            if (rows == Rows.ALL) {
                executor.readOutput(chunkLogits, n * config.vocabSize());
                for (int t = 0; t < n; t++) {
                    System.arraycopy(chunkLogits, t * config.vocabSize(), row, 0, config.vocabSize());
                    sink.accept(position - n + t, row);
                }
            } else if (start + n == to) {
                executor.readOutput(row, config.vocabSize());
                sink.accept(position - 1, row);
            }
        }
        return to - from;
    }

    /**
     * Logits after feeding the tokens (LAST rows). The array is the session's own and is
     * overwritten by the next call: decoding allocates nothing per token.
     */
    public float[] next(int... tokens) {
        feed(tokens, 0, tokens.length, (pos, logits) -> { });
        return row;
    }

    public void reset() {
        executor.reset();
        position = 0;
    }

    /** Runs {@code action} when the session closes (the model forgets its open sessions this way). */
    public void whenClosed(Runnable action) {
        this.onClose = action;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            executor.close();
        } finally {
            onClose.run();
        }
    }
}
