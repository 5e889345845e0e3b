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

/**
 * Mistral Instruct as a LangChain4j {@link StreamingChatModel}: the answer streams through
 * {@code onPartialResponse} as it is generated, on a virtual thread of its own, then
 * {@code onCompleteResponse} once with the whole response. The handle in each partial response's
 * context cancels the generation within a token; a cancelled stream gets no further callbacks.
 */
public final class MistralStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final ChatSessions sessions;

    private MistralStreamingChatModel(Builder b) {
        this.sessions = b.chatSessions();
    }

    /** The same options as {@link MistralChatModel#builder()}. */
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
            ChatResponse r;
            try {
                r = sessions.run(request, cancel, text -> {
                    if (!cancel.isCancelled()) handler.onPartialResponse(new PartialResponse(text), context);
                });
            } catch (RuntimeException | Error e) {
                if (!cancel.isCancelled()) handler.onError(e);
                return;
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
    }

    public static final class Builder extends ChatBuilder<Builder> {
        public MistralStreamingChatModel build() {
            return new MistralStreamingChatModel(this);
        }
    }
}
