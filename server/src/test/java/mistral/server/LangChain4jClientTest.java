package mistral.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mistral.engine.api.Conversation;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LangChain4j's own OpenAI client (langchain4j-open-ai) against the server, unchanged. */
class LangChain4jClientTest {
    static TestServer s;
    static String expected;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer(1, 4, "lc4j-key", 120);
        try (MistralModel m = MistralModel.load(TestServer.MODEL, LoadOptions.builder().threads(1).build());
             Conversation c = m.chat("Speak as the Preacher.", false)) {
            GenerationResult g = c.send("Vanity of vanities", GenerateOptions.greedy(16), (id, t) -> { });
            expected = g.text();
        }
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void chatModel() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(s.base + "/v1").apiKey("lc4j-key").modelName("tiny-mistral-a-f32")
                .temperature(0.0).maxTokens(16).build();
        ChatResponse r = model.chat(SystemMessage.from("Speak as the Preacher."), UserMessage.from("Vanity of vanities"));
        assertEquals(expected, r.aiMessage().text());
        assertNotNull(r.tokenUsage());
        assertTrue(r.tokenUsage().outputTokenCount() > 0 && r.tokenUsage().outputTokenCount() <= 16, r.tokenUsage().toString());
        assertTrue(r.tokenUsage().inputTokenCount() > 0);
    }

    @Test
    void streamingChatModel() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(s.base + "/v1").apiKey("lc4j-key")
                .modelName("tiny-mistral-a-f32").temperature(0.0).maxTokens(16).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(java.util.List.of(SystemMessage.from("Speak as the Preacher."), UserMessage.from("Vanity of vanities")),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String text) {
                        partial.append(text);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals(expected, partial.toString());
        assertEquals(expected, r.aiMessage().text());
        assertTrue(r.finishReason() != null);
    }
}
