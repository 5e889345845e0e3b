package mistral.engine.api;

/** Why generation ended. */
public enum StopReason {
    /** The model produced its end-of-sequence token. */
    EOS("eos"),
    /** The token budget ({@code maxTokens}) was spent. */
    MAX_TOKENS("max-tokens"),
    /** A {@link Cancellation} was cancelled, from another thread or from the token listener. */
    CANCELLED("cancelled");

    private final String label;

    StopReason(String label) {
        this.label = label;
    }

    /** The name the CLI's JSON uses. */
    public String label() {
        return label;
    }
}
