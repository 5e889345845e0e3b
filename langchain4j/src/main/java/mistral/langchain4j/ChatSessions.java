package mistral.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.function.Consumer;
import mistral.engine.api.Cancellation;
import mistral.engine.api.MistralModel;
import mistral.engine.api.PrefixSession;

/** What a chat model holds: the shared loaded model, a pool of sessions over it and its sampling defaults. */
final class ChatSessions implements AutoCloseable {
    final MistralModel model;
    private final SessionPool pool;
    private final ChatRun.Defaults defaults;

    ChatSessions(MistralModel model, int sessions, ChatRun.Defaults defaults) {
        this.model = model;
        this.pool = new SessionPool(model, sessions);
        this.defaults = defaults;
    }

    /** Runs the request on a free session (waiting for one); null when {@code cancel} stopped it. */
    ChatResponse run(ChatRequest request, Cancellation cancel, Consumer<String> partial) {
        PrefixSession s = pool.take();
        try {
            return ChatRun.run(model, s, request, defaults, cancel, partial);
        } finally {
            pool.give(s);
        }
    }

    /** Frees the sessions; the loaded model goes with the last model object over it. */
    @Override
    public void close() {
        pool.close();
        SharedModels.release(model);
    }
}
