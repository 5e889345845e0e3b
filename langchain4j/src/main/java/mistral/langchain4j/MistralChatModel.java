package mistral.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

/**
 * Mistral Instruct in process as a LangChain4j {@link ChatModel}: messages go through the
 * Mistral chat template (mistral_common's ids), temperature, topP, topK, maxOutputTokens and
 * stopSequences onto sampling. Concurrent calls run in parallel sessions, up to
 * {@link MistralBuilder#sessions}, and wait their turn beyond that.
 * <pre>{@code
 * ChatModel model = MistralChatModel.builder().modelPath(Path.of("mistral-7b-instruct-v0.2.Q4_K_M.gguf")).build();
 * String answer = model.chat("Name three French cheeses.");
 * }</pre>
 */
public final class MistralChatModel implements ChatModel, AutoCloseable {
    private final ChatSessions sessions;

    private MistralChatModel(Builder b) {
        this.sessions = b.chatSessions();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return sessions.run(request, null, text -> { });
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** Frees the sessions; the loaded model goes with the last chat, streaming or moderation model over it. */
    @Override
    public void close() {
        sessions.close();
    }

    public static final class Builder extends ChatBuilder<Builder> {
        public MistralChatModel build() {
            return new MistralChatModel(this);
        }
    }
}
