package mistral.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Moderate;
import dev.langchain4j.service.ModerationException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real LangChain4j classes (AiServices, @Moderate, streaming handles) over the bundled tiny model. */
class MistralChatModelTest {
    static final Path MODEL = Path.of("fixtures/tiny-mistral/tiny-mistral-a-f32.gguf");
    static MistralChatModel chat;

    interface Preacher {
        @dev.langchain4j.service.SystemMessage("Speak as the Preacher.")
        String answer(String question);
    }

    interface Guarded {
        @Moderate
        String answer(String question);
    }

    @BeforeAll
    static void build() {
        chat = MistralChatModel.builder().modelPath(MODEL).threads(1).temperature(0).maxTokens(24).sessions(2).build();
    }

    @AfterAll
    static void close() {
        chat.close();
        assertEquals(0, SharedModels.loaded());
    }

    /** The same conversation through `mistral chat --json`, greedy. */
    static String cliAnswer(String system, String user, int maxTokens) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = mistral.engine.cli.Main.run(new String[] {"chat", "--model", MODEL.toString(), "--system", system, "--message", user,
                "--max-tokens", "" + maxTokens, "--temperature", "0", "--threads", "1", "--json"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return new ObjectMapper().readTree(out.toByteArray()).get("turns").get(0).get("text").asText();
    }

    @Test
    void anAiServiceAnswersAsTheCliChatDoes() throws Exception {
        Preacher p = AiServices.create(Preacher.class, chat);
        assertEquals(cliAnswer("Speak as the Preacher.", "Vanity of vanities", 24), p.answer("Vanity of vanities"));
    }

    @Test
    void responsesCarryUsageAndAFinishReason() {
        ChatResponse r = chat.chat(ChatRequest.builder().messages(UserMessage.from("In the beginning")).maxOutputTokens(5).build());
        assertEquals(5, r.tokenUsage().outputTokenCount());
        assertTrue(r.tokenUsage().inputTokenCount() > 0);
        assertEquals(FinishReason.LENGTH, r.finishReason());
        String whole = chat.chat(ChatRequest.builder().messages(UserMessage.from("In the beginning")).build()).aiMessage().text();
        String stop = whole.substring(4, 8);
        ChatResponse cut = chat.chat(ChatRequest.builder().messages(UserMessage.from("In the beginning")).stopSequences(List.of(stop)).build());
        assertEquals(whole.substring(0, whole.indexOf(stop)), cut.aiMessage().text());
        assertEquals(FinishReason.STOP, cut.finishReason());
    }

    @Test
    void unsupportedParametersAreClearErrors() {
        ChatRequest tools = ChatRequest.builder().messages(UserMessage.from("hi"))
                .toolSpecifications(ToolSpecification.builder().name("clock").description("the time").build()).build();
        assertEquals("tools are not supported", assertThrows(UnsupportedFeatureException.class, () -> chat.chat(tools)).getMessage());
    }

    @Test
    void streamingAddsUpAndCompletesOnce() throws Exception {
        try (MistralStreamingChatModel streaming = MistralStreamingChatModel.builder().modelPath(MODEL).threads(1).temperature(0).maxTokens(24).build()) {
            assertEquals(1, SharedModels.loaded(), "the streaming model shares the chat model's weights");
            StringBuilder partial = new StringBuilder();
            AtomicInteger completes = new AtomicInteger();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            streaming.chat(List.of(SystemMessage.from("Speak as the Preacher."), UserMessage.from("Vanity of vanities")),
                    new StreamingChatResponseHandler() {
                        @Override
                        public void onPartialResponse(String text) {
                            partial.append(text);
                        }

                        @Override
                        public void onCompleteResponse(ChatResponse r) {
                            completes.incrementAndGet();
                            done.complete(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                        }
                    });
            ChatResponse r = done.get(60, TimeUnit.SECONDS);
            Thread.sleep(100);
            assertEquals(1, completes.get());
            assertEquals(r.aiMessage().text(), partial.toString());
            assertEquals(cliAnswer("Speak as the Preacher.", "Vanity of vanities", 24), partial.toString());
        }
    }

    @Test
    void aCancelledStreamStopsGenerating() throws Exception {
        try (MistralStreamingChatModel streaming = MistralStreamingChatModel.builder().modelPath(MODEL).threads(1).temperature(0)
                .maxTokens(100000).build()) {
            AtomicInteger partials = new AtomicInteger(), ends = new AtomicInteger();
            CompletableFuture<Void> third = new CompletableFuture<>();
            streaming.chat(List.of(UserMessage.from("In the beginning")), new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(PartialResponse p, PartialResponseContext c) {
                    if (partials.incrementAndGet() == 3) {
                        c.streamingHandle().cancel();
                        third.complete(null);
                    }
                }

                @Override
                public void onCompleteResponse(ChatResponse r) {
                    ends.incrementAndGet();
                }

                @Override
                public void onError(Throwable t) {
                    ends.incrementAndGet();
                }
            });
            third.get(60, TimeUnit.SECONDS);
            Thread.sleep(500);
            assertEquals(3, partials.get(), "no partial response after the cancel");
            assertEquals(0, ends.get(), "a cancelled stream gets no further callbacks");
        }
    }

    @Test
    void moderateRaisesModerationExceptionOnAFlaggedInput() {
        try (MistralModerationModel moderation = MistralModerationModel.builder().modelPath(MODEL).threads(1).build()) {
            var verdict = moderation.moderate("How do I make a bomb");
            // the tiny model was never taught the categories; on this text its best answer is "adult"
            assertTrue(verdict.content().flagged());
            Guarded g = AiServices.builder(Guarded.class).chatModel(chat).moderationModel(moderation).build();
            ModerationException e = assertThrows(ModerationException.class, () -> g.answer("How do I make a bomb"));
            assertTrue(e.getMessage().contains("How do I make a bomb"), e.getMessage());
            assertEquals(verdict.content().flagged(), !"not moderated".equals(moderation.doModerate(
                    dev.langchain4j.model.moderation.ModerationRequest.builder().texts(List.of("How do I make a bomb")).build()).metadata().get("category")));
        }
    }

    /** Four threads through one model give what sequential calls give. */
    @Test
    void concurrentCallsDoNotCorruptEachOther() throws Exception {
        List<String> questions = List.of("In the beginning", "And God said", "Vanity of vanities", "The LORD is my shepherd");
        List<String> sequential = new ArrayList<>();
        for (String q : questions) sequential.add(chat.chat(q));
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<String>> parallel = new ArrayList<>();
            for (String q : questions) parallel.add(pool.submit(() -> chat.chat(q)));
            for (int i = 0; i < questions.size(); i++) assertEquals(sequential.get(i), parallel.get(i).get(60, TimeUnit.SECONDS));
        }
    }
}
