package mistral.engine.api;

/**
 * Stops a generation from another thread or from its own token listener. The engine checks it
 * before every decoded token and between prefill chunks, so it takes effect within one step.
 */
public final class Cancellation {
    private volatile boolean cancelled;
    private final Cancellation[] parents;

    public Cancellation() {
        this.parents = new Cancellation[0];
    }

    private Cancellation(Cancellation[] parents) {
        this.parents = parents;
    }

    /** A cancellation that is cancelled when any of these is (nulls are ignored), or when cancelled itself. */
    public static Cancellation anyOf(Cancellation... parents) {
        return new Cancellation(java.util.Arrays.stream(parents).filter(java.util.Objects::nonNull).toArray(Cancellation[]::new));
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        if (cancelled) return true;
        for (Cancellation p : parents) if (p.isCancelled()) return true;
        return false;
    }
}
