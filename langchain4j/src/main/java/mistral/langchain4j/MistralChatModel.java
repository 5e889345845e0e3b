package mistral.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import mistral.engine.api.MistralModel;
import mistral.engine.api.PrefixSession;

/**
 * Mistral Instruct in process as a LangChain4j {@link ChatModel}: messages go through the
 * Mistral chat template (mistral_common's ids), temperature, topP, topK, maxOutputTokens and
 * stopSequences onto sampling. Concurrent calls run in parallel sessions, up to
 * {@link Builder#sessions}, and wait their turn beyond that.
 * <pre>{@code
 * ChatModel model = MistralChatModel.builder().modelPath(Path.of("mistral-7b-instruct-v0.2.Q4_K_M.gguf")).build();
 * String answer = model.chat("Name three French cheeses.");
 * }</pre>
 */
public final class MistralChatModel implements ChatModel, AutoCloseable {
    private final MistralModel model;
    private final SessionPool sessions;
    private final ChatRun.Defaults defaults;

    private MistralChatModel(Builder b) {
        this.model = SharedModels.acquire(b.requirePath(), b.load.build());
        this.sessions = new SessionPool(model, b.sessions);
        this.defaults = new ChatRun.Defaults(b.temperature, b.topP, b.maxTokens, b.seed, b.safePrompt);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        PrefixSession s = sessions.take();
        try {
            return ChatRun.run(model, s, request, defaults, null, text -> { });
        } finally {
            sessions.give(s);
        }
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** Frees the sessions; the loaded model goes with the last chat, streaming or moderation model over it. */
    @Override
    public void close() {
        sessions.close();
        SharedModels.release(model);
    }

    public static final class Builder extends MistralBuilder<Builder> {
        double temperature = 0.7, topP = 1.0;
        int maxTokens = 512;
        Long seed;
        boolean safePrompt;

        /** Default 0.7; 0 is greedy. */
        public Builder temperature(double t) {
            this.temperature = t;
            return this;
        }

        public Builder topP(double p) {
            this.topP = p;
            return this;
        }

        /** Tokens per answer unless the request says (default 512). */
        public Builder maxTokens(int n) {
            this.maxTokens = n;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Mistral's guardrail system prompt before every conversation. */
        public Builder safePrompt(boolean safe) {
            this.safePrompt = safe;
            return this;
        }

        public MistralChatModel build() {
            return new MistralChatModel(this);
        }

        MistralStreamingChatModel buildStreaming() {
            return new MistralStreamingChatModel(this);
        }
    }
}
