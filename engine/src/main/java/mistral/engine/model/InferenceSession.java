package mistral.engine.model;

import mistral.tasks.graph.Backend;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.RollingKvCache;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task.Rows;

/**
 * One sequence being processed: the compiled plan on its device, the KV cache, the position.
 * Tokens go in through chunked prefill (chunks of at most {@code chunkSize}); decoding is a chunk of one.
 */
public final class InferenceSession implements AutoCloseable {

    /** Receives the logits of the token at absolute position {@code pos} (valid during the call only). */
    @FunctionalInterface
    public interface LogitsSink {
        void accept(int pos, float[] logits);
    }

    private final ModelConfig config;
    private final Executor executor;
    private final RollingKvCache cache;
    private final int chunkSize;
    private final Rows rows;
    private final float[] chunkLogits;
    private final float[] row;
    private int position;

    /**
     * @param rows  ALL to get logits for every token (scoring), LAST for the last token of each feed
     * @param slots KV cache slots; 0 = as the window and context require. More slots than the window
     *              keep the same results: the mask, not the buffer size, defines the window.
     */
    public InferenceSession(ModelConfig config, MistralWeights weights, Backend backend, int chunkSize, Rows rows, int slots) {
        if (chunkSize <= 0) throw new IllegalArgumentException("--chunk-size must be positive, got " + chunkSize);
        this.config = config;
        this.chunkSize = chunkSize;
        this.rows = rows;
        this.cache = slots > 0
                ? RollingKvCache.withSlots(config.layers(), config.kvDim(), config.slidingWindow(), slots)
                : RollingKvCache.create(config.layers(), config.kvDim(), config.slidingWindow(), config.contextLength());
        ExecutionPlan plan = MistralGraph.build(config, weights, cache, chunkSize, rows);
        this.executor = backend.compile(plan);
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

    public int remaining() {
        return config.contextLength() - position;
    }

    /**
     * Runs tokens[from, to) through the model in chunks, appending them to the sequence. The sink
     * gets the logits of every token (ALL) or of the last one (LAST).
     */
    public void feed(int[] tokens, int from, int to, LogitsSink sink) {
        if (to - from > remaining()) {
            throw new ContextOverflowException("context overflow: " + (to - from) + " more tokens at position " + position
                    + " exceed the context of " + config.contextLength() + " tokens (raise it with --context)");
        }
        for (int start = from; start < to; start += chunkSize) {
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

    @Override
    public void close() {
        executor.close();
    }
}
