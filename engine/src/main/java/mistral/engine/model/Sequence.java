package mistral.engine.model;

import java.util.function.BooleanSupplier;
import mistral.tasks.graph.Profile;

/**
 * One sequence's tokens through the model: its position, its KV cache, chunked prefill and
 * decoding. An {@link InferenceSession} runs it on a plan of its own; a lane of a
 * {@link SequenceBatch} runs it in steps shared with other sequences. One thread at a time.
 */
public interface Sequence extends AutoCloseable {

    /** Receives the logits of the token at absolute position {@code pos} (valid during the call only). */
    @FunctionalInterface
    interface LogitsSink {
        void accept(int pos, float[] logits);
    }

    int position();

    /** Tokens that may still be appended: up to the context, or without end on a rolling buffer. */
    int remaining();

    /** The cache is a rolling buffer that holds the whole window (v0.1 keeps going past the context). */
    boolean rolling();

    /** Whether the sequence can be cut back to its first {@code p} tokens (the rolling slots still hold what p needs). */
    boolean canRewind(int p);

    /** Cuts the sequence back to its first {@code p} tokens; the next tokens continue from there. */
    void rewind(int p);

    /**
     * Runs tokens[from, to) through the model in chunks, appending them to the sequence, checking
     * {@code stop} before each chunk. The sink gets the logits of the last token (or of every token,
     * where the sequence keeps them all).
     *
     * @return how many tokens were fed (fewer than asked only when stopped)
     */
    int feed(int[] tokens, int from, int to, LogitsSink sink, BooleanSupplier stop);

    default void feed(int[] tokens, int from, int to, LogitsSink sink) {
        feed(tokens, from, to, sink, () -> false);
    }

    /** Logits after feeding the tokens; the array is the sequence's own, overwritten by the next call. */
    float[] next(int... tokens);

    /** Back to position 0. */
    void reset();

    /** Per-kernel time so far, if profiling was asked for. */
    Profile profile();

    /** The sequence will not be fed for a while (its generation ended): a batch need not wait for it. */
    default void idle() {
    }

    @Override
    void close();
}
