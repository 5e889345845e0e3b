package mistral.engine.api;

import java.util.Arrays;
import mistral.engine.model.Sequence;
import mistral.engine.tokenizer.TokenDecoder;
import mistral.tasks.graph.Task.Rows;

/**
 * A session that remembers the ids its KV cache holds: a prompt that starts with them prefills
 * only the rest, as llama.cpp's {@code cache_prompt} does (a chat that grows turn by turn, or
 * requests that share a system prompt). Where the prompt departs from the cache, the session is
 * rewound there when the rolling buffer still holds what that position needs, else prefilled
 * again. One thread at a time.
 */
public final class PrefixSession implements AutoCloseable {
    private final MistralModel model;
    private final Sequence session;
    /** The ids in the session's cache, in order (as many as its position). */
    private int[] cached = new int[0];

    PrefixSession(MistralModel model, int chunkSize) {
        this(model, model.session(chunkSize, Rows.LAST, 0));
    }

    /** Over a sequence of its own, or a lane of a {@link Batch}. */
    PrefixSession(MistralModel model, Sequence session) {
        this.model = model;
        this.session = session;
    }

    /** How many leading ids of {@code prompt} the cache holds (what a generation from it would not prefill). */
    public int cachedPrefix(int[] prompt) {
        return Math.min(commonPrefix(cached, prompt), Math.max(0, prompt.length - 1));
    }

    /** The cache is a rolling buffer that holds the whole window: the context does not bound the sequence. */
    public boolean rolling() {
        return session.rolling();
    }

    /** Whether the prompt plus {@code maxTokens} fits: the context, or without end on a rolling buffer. */
    public boolean fits(int promptTokens, int maxTokens) {
        return rolling() || (long) promptTokens + maxTokens <= model.config().contextLength();
    }

    /** A prompt plus {@code maxTokens} that does not {@link #fits fit} is a context-overflow error, before any work. */
    void checkFits(int promptTokens, int maxTokens) {
        if (!fits(promptTokens, maxTokens)) model.checkFits(promptTokens, maxTokens);
    }

    /**
     * Generates after {@code prompt}, reusing the cached prefix.
     *
     * @param continuation the text continues the prompt (a completion keeps its leading space);
     *                     false for an answer that starts on its own (a chat turn)
     */
    public GenerationResult generate(int[] prompt, GenerateOptions options, TokenListener listener, boolean continuation) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        checkFits(prompt.length, options.maxTokens());
        int keep = cachedPrefix(prompt); // the last prompt token's logits are needed
        if (keep < session.position()) {
            if (session.canRewind(keep)) {
                session.rewind(keep);
            } else {
                session.reset();
                keep = 0;
            }
        }
        TokenDecoder decoder = model.tokenizer().decoder();
        if (continuation) for (int id : prompt) decoder.next(id);
        TokenLoop.Outcome out = TokenLoop.run(session, prompt, keep, options, model.tokenizer().eos(), decoder, listener);
        GenerationResult r = out.result();
        cached = concat(Arrays.copyOf(prompt, keep + r.prefilled()), Arrays.copyOf(r.generatedIds(), out.fedGenerated()));
        return r;
    }

    /** Forgets the cache. */
    public void reset() {
        session.reset();
        cached = new int[0];
    }

    /** Tokens the cache holds now. */
    public int cachedTokens() {
        return cached.length;
    }

    static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public void close() {
        session.close();
    }
}
