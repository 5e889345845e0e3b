package mistral.engine.api;

/** Streams generation: called once per generated token with the text it completes (may be empty). */
@FunctionalInterface
public interface TokenListener {
    void onToken(int id, String text);
}
