package mistral.engine.api;

/**
 * Stops a generation from another thread or from its own token listener. The engine checks it
 * before every decoded token and between prefill chunks, so it takes effect within one step.
 */
public final class Cancellation {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
