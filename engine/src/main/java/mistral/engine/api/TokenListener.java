package mistral.engine.api;

import java.util.List;

/** Streams generation: called once per generated token with the text it completes (may be empty). */
@FunctionalInterface
public interface TokenListener {
    /** @param id the token, or -1 for text held back until the end (an unfinished UTF-8 sequence) */
    void onToken(int id, String text);

    /**
     * The same call with the token's log-probability and, when {@link GenerateOptions#topLogprobs()}
     * asks for them, the most likely tokens at that position (best first). By default it forwards
     * to {@link #onToken(int, String)}.
     */
    default void onToken(int id, String text, double logprob, List<TokenLogprob> top) {
        onToken(id, text);
    }
}
