package mistral.engine.api;

/** A token and its log-probability at one position (for OpenAI's {@code logprobs} / {@code top_logprobs}). */
public record TokenLogprob(int id, double logprob) {
}
