package mistral.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import mistral.engine.api.Cancellation;
import mistral.engine.api.MistralModel;
import mistral.engine.api.PrefixSession;

/**
 * Mistral Instruct as a LangChain4j {@link StreamingChatModel}: the answer streams through
 * {@code onPartialResponse} as it is generated, on a virtual thread of its own, then
 * {@code onCompleteResponse} once with the whole response. The handle in each partial response's
 * context cancels the generation within a token; a cancelled stream gets no further callbacks.
 */
public final class MistralStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final MistralModel model;
    private final SessionPool sessions;
    private final ChatRun.Defaults defaults;

    MistralStreamingChatModel(MistralChatModel.Builder b) {
        this.model = SharedModels.acquire(b.requirePath(), b.load.build());
        this.sessions = new SessionPool(model, b.sessions);
        this.defaults = new ChatRun.Defaults(b.temperature, b.topP, b.maxTokens, b.seed, b.safePrompt);
    }

    /** The same options as {@link MistralChatModel#builder()}; {@code build()} there, {@link Builder#build()} here. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Cancellation cancel = new Cancellation();
        StreamingHandle handle = new StreamingHandle() {
            @Override
            public void cancel() {
                cancel.cancel();
            }

            @Override
            public boolean isCancelled() {
                return cancel.isCancelled();
            }
        };
        PartialResponseContext context = new PartialResponseContext(handle);
        Thread.ofVirtual().name("mistral-stream").start(() -> {
            PrefixSession s = sessions.take();
            ChatResponse r;
            try {
                r = ChatRun.run(model, s, request, defaults, cancel, text -> {
                    if (!cancel.isCancelled()) handler.onPartialResponse(new PartialResponse(text), context);
                });
            } catch (RuntimeException | Error e) {
                if (!cancel.isCancelled()) handler.onError(e);
                return;
            } finally {
                sessions.give(s);
            }
            if (r != null && !cancel.isCancelled()) handler.onCompleteResponse(r);
        });
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    @Override
    public void close() {
        sessions.close();
        SharedModels.release(model);
    }

    public static final class Builder extends MistralBuilder<Builder> {
        private final MistralChatModel.Builder chat = MistralChatModel.builder();

        public Builder temperature(double t) {
            chat.temperature(t);
            return this;
        }

        public Builder topP(double p) {
            chat.topP(p);
            return this;
        }

        public Builder maxTokens(int n) {
            chat.maxTokens(n);
            return this;
        }

        public Builder seed(long seed) {
            chat.seed(seed);
            return this;
        }

        public Builder safePrompt(boolean safe) {
            chat.safePrompt(safe);
            return this;
        }

        public MistralStreamingChatModel build() {
            chat.modelPath = modelPath;
            chat.load = load;
            chat.sessions = sessions;
            return chat.buildStreaming();
        }
    }
}
