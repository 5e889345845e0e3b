package mistral.engine.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import mistral.engine.chat.Message;

/**
 * A chat with an Instruct model that keeps its session between turns: the KV cache holds the
 * conversation so far, so a turn prefills only what is new (its user message, after the previous
 * answer and its EOS). The answers are kept as the ids the model generated. One thread at a time.
 * <p>
 * Past the context, a model with a sliding window keeps going on its rolling buffer; without one
 * the oldest turns are dropped and the rest prefilled again, and {@link #onNotice} hears of it.
 */
public final class Conversation implements AutoCloseable {
    private final MistralModel model;
    private final boolean safePrompt;
    private final List<Message> messages = new ArrayList<>();
    /** The ids of each assistant message (by index in {@code messages}), EOS included. */
    private final Map<Integer, int[]> answerIds = new HashMap<>();
    private String system;
    private PrefixSession session;
    /** The whole conversation: the last prompt and its answer with EOS. */
    private int[] history = new int[0];
    private Consumer<String> notices = message -> { };

    Conversation(MistralModel model, String system, boolean safePrompt) {
        this.model = model;
        this.system = system == null || system.isEmpty() ? null : system;
        this.safePrompt = safePrompt;
    }

    /** Where to say that old turns were dropped to fit the context (the CLI prints it on stderr). */
    public Conversation onNotice(Consumer<String> listener) {
        this.notices = listener;
        return this;
    }

    /**
     * Adds a user message and generates the answer, streaming it to the listener. The answer
     * (also a partial one, when cancelled) becomes part of the conversation.
     */
    public GenerationResult send(String userMessage, GenerateOptions options, TokenListener listener) {
        if (session == null) session = new PrefixSession(model, options.chunkSize());
        messages.add(Message.user(userMessage));
        int[] prompt;
        try {
            prompt = fitPrompt(options.maxTokens());
        } catch (RuntimeException e) {
            messages.removeLast();
            throw e;
        }
        GenerationResult r = session.generate(prompt, options, listener, false);
        if (session.cachedTokens() < prompt.length) { // cancelled before the answer began
            messages.removeLast();
            return r;
        }
        int[] answer = PrefixSession.concat(r.generatedIds(), new int[] {model.tokenizer().eos()});
        messages.add(Message.assistant(r.text()));
        answerIds.put(messages.size() - 1, answer);
        history = PrefixSession.concat(prompt, answer);
        return r;
    }

    /**
     * The ids of the conversation with a new user message last; without a rolling cache, the oldest
     * turns go until it fits with {@code maxTokens} to spare.
     */
    private int[] fitPrompt(int maxTokens) {
        int[] prompt = encode();
        if (session.fits(prompt.length, maxTokens)) return prompt;
        int dropped = 0;
        while ((long) prompt.length + maxTokens > model.config().contextLength() && messages.size() > 1) {
            messages.subList(0, 2).clear(); // the oldest user message and its answer
            Map<Integer, int[]> shifted = new HashMap<>();
            answerIds.forEach((i, ids) -> {
                if (i >= 2) shifted.put(i - 2, ids);
            });
            answerIds.clear();
            answerIds.putAll(shifted);
            dropped++;
            prompt = encode();
        }
        if (dropped > 0) {
            notices.accept("the conversation outgrew the context of " + model.config().contextLength() + " tokens: dropped the oldest "
                    + (dropped == 1 ? "turn" : dropped + " turns") + " and prefilled the rest again");
        }
        session.checkFits(prompt.length, maxTokens);
        return prompt;
    }

    private int[] encode() {
        List<Message> all = new ArrayList<>(messages.size() + 1);
        if (system != null) all.add(Message.system(system));
        all.addAll(messages);
        int offset = system != null ? 1 : 0;
        return model.chatTemplate().encode(all, safePrompt, i -> answerIds.get(i - offset));
    }

    /** Changes the system prompt for the next turns (the conversation is prefilled again from where it differs). */
    public void setSystem(String system) {
        this.system = system == null || system.isEmpty() ? null : system;
    }

    /** Forgets every message; the system prompt stays. */
    public void reset() {
        messages.clear();
        answerIds.clear();
        history = new int[0];
        if (session != null) session.reset();
    }

    /** The user and assistant messages so far (the system prompt is not among them). */
    public List<Message> messages() {
        return List.copyOf(messages);
    }

    /** Every token of the conversation in order, BOS first: the last prompt and its answer with EOS. */
    public int[] ids() {
        return history.clone();
    }

    /** Tokens the session's cache holds now. */
    public int cachedTokens() {
        return session == null ? 0 : session.cachedTokens();
    }

    @Override
    public void close() {
        if (session != null) session.close();
    }
}
