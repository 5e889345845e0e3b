package mistral.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import mistral.engine.chat.Message;

/** {@code POST /v1/chat/completions}: the Mistral Instruct template (and guardrail) of the CLI's chat. */
final class ChatCompletions {
    private final OpenAiServer server;

    ChatCompletions(OpenAiServer server) {
        this.server = server;
    }

    void handle(Context ctx) {
        JsonNode req = server.body(ctx);
        server.checkModel(req);
        List<Message> messages = messages(req.get("messages"));
        boolean safe = Json.bool(req, "safe_prompt", false);
        boolean logprobs = Json.bool(req, "logprobs", false);
        int top = Json.integer(req, "top_logprobs", 0, 0, 20);
        if (top > 0 && !logprobs) throw ApiError.badRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        GenerationRequest g = GenerationRequest.parse(req);
        int[] prompt;
        try {
            prompt = server.model().chatTemplate().encode(messages, safe);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("messages", e.getMessage());
        }
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        new GenerationRun(server, "chat").run(ctx, prompt, g, logprobs, top, false, "", new Shape(id, created, logprobs));
    }

    /** OpenAI's message array: roles system/user/assistant, content a string or text parts. */
    static List<Message> messages(JsonNode array) {
        if (array == null || !array.isArray() || array.isEmpty()) throw ApiError.badRequest("messages", "'messages' must be a non-empty array");
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode m = array.get(i);
            String field = "messages[" + i + "]";
            if (!m.isObject() || !m.path("role").isTextual()) throw ApiError.badRequest(field, field + " needs a string 'role'");
            String role = m.get("role").asText();
            if (role.equals("developer")) role = "system";
            Message.Role r;
            try {
                r = Message.Role.parse(role);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(field + ".role", field + ": " + e.getMessage());
            }
            out.add(new Message(r, content(m.get("content"), field)));
        }
        return out;
    }

    private static String content(JsonNode c, String field) {
        if (c != null && c.isTextual()) return c.asText();
        if (c != null && c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.badRequest(field + ".content", field + ": only text content parts are supported");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiError.badRequest(field + ".content", field + " needs 'content' as a string or an array of text parts");
    }

    private final class Shape implements GenerationRun.Format {
        private final String id;
        private final long created;
        private final boolean logprobs;

        Shape(String id, long created, boolean logprobs) {
            this.id = id;
            this.created = created;
            this.logprobs = logprobs;
        }

        private ObjectNode head(String object) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("id", id).put("object", object).put("created", created).put("model", server.model().id());
            o.put("system_fingerprint", "mistral-java");
            return o;
        }

        @Override
        public ObjectNode chunk(String text, List<GenerationRun.Token> tokens, String finishReason, boolean first) {
            ObjectNode o = head("chat.completion.chunk");
            ObjectNode choice = o.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            if (first) delta.put("role", "assistant");
            if (finishReason == null) delta.put("content", text);
            if (logprobs && !tokens.isEmpty()) choice.putObject("logprobs").set("content", content(tokens));
            else choice.putNull("logprobs");
            if (finishReason == null) choice.putNull("finish_reason"); else choice.put("finish_reason", finishReason);
            return o;
        }

        @Override
        public ObjectNode full(String text, List<GenerationRun.Token> tokens, String finishReason, ObjectNode usage) {
            ObjectNode o = head("chat.completion");
            ObjectNode choice = o.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", text);
            if (logprobs) choice.putObject("logprobs").set("content", content(tokens));
            else choice.putNull("logprobs");
            choice.put("finish_reason", finishReason);
            o.set("usage", usage);
            return o;
        }

        @Override
        public ObjectNode usageChunk(ObjectNode usage) {
            ObjectNode o = head("chat.completion.chunk");
            o.putArray("choices");
            o.set("usage", usage);
            return o;
        }

        private ArrayNode content(List<GenerationRun.Token> tokens) {
            ArrayNode a = Json.MAPPER.createArrayNode();
            for (GenerationRun.Token t : tokens) {
                ObjectNode e = entry(t.text(), t.logprob());
                ArrayNode top = e.putArray("top_logprobs");
                for (var alt : t.top()) top.add(entry(server.tokenText(alt.id()), alt.logprob()));
                a.add(e);
            }
            return a;
        }

        private ObjectNode entry(String token, double logprob) {
            ObjectNode e = Json.MAPPER.createObjectNode();
            e.put("token", token).put("logprob", logprob);
            ArrayNode bytes = e.putArray("bytes");
            for (byte b : token.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xFF);
            return e;
        }
    }
}
