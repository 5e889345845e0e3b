package mistral.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import mistral.engine.api.Cancellation;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.MistralModel;
import mistral.engine.api.PrefixSession;
import mistral.engine.api.StopReason;
import mistral.engine.api.StopSequences;
import mistral.engine.chat.Message;
import mistral.engine.model.SamplingOptions;

/** One LangChain4j chat request through the Mistral Instruct template: what the chat and streaming models share. */
final class ChatRun {
    /** The sampling a model falls back to where a request leaves a parameter unset. */
    record Defaults(double temperature, double topP, int maxTokens, Long seed, boolean safePrompt) {
    }

    private ChatRun() {
    }

    /** System, user and AI messages onto the template's roles; anything else is not supported (yet). */
    static List<Message> messages(List<ChatMessage> in) {
        List<Message> out = new ArrayList<>();
        for (ChatMessage m : in) {
            switch (m) {
                case SystemMessage s -> out.add(Message.system(s.text()));
                case UserMessage u -> {
                    if (!u.hasSingleText()) throw new UnsupportedFeatureException("only text user messages are supported, not " + u.contents());
                    out.add(Message.user(u.singleText()));
                }
                case AiMessage a -> {
                    if (a.hasToolExecutionRequests()) throw new UnsupportedFeatureException("tool calls are not supported");
                    out.add(Message.assistant(a.text() == null ? "" : a.text()));
                }
                default -> throw new UnsupportedFeatureException(m.type() + " messages are not supported");
            }
        }
        // LangChain4j may put the system message after a memory's messages: the template wants it first
        List<Message> ordered = new ArrayList<>();
        out.stream().filter(x -> x.role() == Message.Role.SYSTEM).reduce((a, b) -> b).ifPresent(ordered::add);
        out.stream().filter(x -> x.role() != Message.Role.SYSTEM).forEach(ordered::add);
        return ordered;
    }

    static void checkSupported(ChatRequest r) {
        if (r.toolSpecifications() != null && !r.toolSpecifications().isEmpty()) throw new UnsupportedFeatureException("tools are not supported");
        if (r.responseFormat() != null && r.responseFormat().type() == ResponseFormatType.JSON) {
            throw new UnsupportedFeatureException("JSON response format is not supported");
        }
        if (r.frequencyPenalty() != null && r.frequencyPenalty() != 0) throw new UnsupportedFeatureException("frequencyPenalty is not supported");
        if (r.presencePenalty() != null && r.presencePenalty() != 0) throw new UnsupportedFeatureException("presencePenalty is not supported");
    }

    static GenerateOptions options(ChatRequest r, Defaults d) {
        double t = r.temperature() != null ? r.temperature() : d.temperature();
        double p = r.topP() != null ? r.topP() : d.topP();
        int k = r.topK() != null ? r.topK() : 0;
        int max = r.maxOutputTokens() != null ? r.maxOutputTokens() : d.maxTokens();
        SamplingOptions s = new SamplingOptions((float) t, (float) p, k, d.seed() != null ? d.seed() : System.nanoTime());
        return new GenerateOptions(max, s, 0);
    }

    /**
     * Runs the request on a session, handing each piece of final text to {@code partial}.
     *
     * @return the response, or null when {@code cancel} stopped it from outside
     */
    static ChatResponse run(MistralModel model, PrefixSession session, ChatRequest request, Defaults d, Cancellation cancel,
                            Consumer<String> partial) {
        checkSupported(request);
        int[] prompt = model.chatTemplate().encode(messages(request.messages()), d.safePrompt());
        StopSequences stops = new StopSequences(request.stopSequences() == null ? List.of() : request.stopSequences());
        StringBuilder text = new StringBuilder();
        Cancellation stopNow = Cancellation.anyOf(cancel);
        GenerateOptions options = options(request, d).withCancellation(stopNow);
        GenerationResult r = session.generate(prompt, options, (id, piece) -> {
            String out = stops.accept(piece);
            if (stops.stopped()) stopNow.cancel();
            if (!out.isEmpty()) {
                text.append(out);
                partial.accept(out);
            }
        }, false);
        if (cancel != null && cancel.isCancelled() && !stops.stopped()) return null;
        String rest = stops.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            partial.accept(rest);
        }
        FinishReason finish = stops.stopped() || r.stopReason() == StopReason.EOS ? FinishReason.STOP : FinishReason.LENGTH;
        return ChatResponse.builder().aiMessage(AiMessage.from(text.toString())).modelName(model.id())
                .tokenUsage(new TokenUsage(prompt.length, r.generatedIds().length)).finishReason(finish).build();
    }
}
