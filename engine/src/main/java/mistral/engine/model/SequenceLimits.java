package mistral.engine.model;

import mistral.tasks.graph.RollingKvCache;

/** The two checks every {@link Sequence} makes before it moves: room in the context, and a rewind its slots allow. */
final class SequenceLimits {
    private SequenceLimits() {
    }

    /** Tokens that may still be appended at {@code position}: up to the context, or without end on a rolling buffer. */
    static int remaining(RollingKvCache cache, ModelConfig config, int position) {
        return cache.holdsWindow(config.contextLength()) ? Integer.MAX_VALUE - position : config.contextLength() - position;
    }

    /** {@code count} more tokens at {@code position}, or a context-overflow error that says how to raise it. */
    static void checkRoom(RollingKvCache cache, ModelConfig config, int position, int count) {
        if (count > remaining(cache, config, position)) {
            throw new ContextOverflowException("context overflow: " + count + " more tokens at position " + position
                    + " exceed the context of " + config.contextLength() + " tokens (raise it with --context)");
        }
    }

    /** A rewind from {@code position} to {@code p} that the rolling slots allow, or an error that says why not. */
    static void checkRewind(RollingKvCache cache, int position, int p) {
        if (!cache.canRewind(position, p)) {
            throw new IllegalStateException("cannot rewind from position " + position + " to " + p
                    + ": the rolling cache has overwritten keys that position needs");
        }
    }
}
