package mistral.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.List;
import java.util.UUID;

/** {@code POST /v1/completions}: plain-text completion of a prompt given as text or token ids. */
final class Completions {
    private final OpenAiServer server;

    Completions(OpenAiServer server) {
        this.server = server;
    }

    void handle(Context ctx) {
        JsonNode req = server.body(ctx);
        server.checkModel(req);
        if (req.hasNonNull("suffix")) throw ApiError.badRequest("suffix", "'suffix' is not supported");
        Integer logprobs = Json.integer(req, "logprobs", null, 0, 5);
        boolean echo = Json.bool(req, "echo", false);
        GenerationRequest g = GenerationRequest.parse(req);
        int[] prompt = prompt(req.get("prompt"));
        String echoed = echo ? server.model().tokenizer().decode(prompt) : "";
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        new GenerationRun(server, "completions").run(ctx, prompt, g, logprobs != null, logprobs == null ? 0 : logprobs, true, echoed,
                new Shape(id, created, logprobs != null));
    }

    /** A string (BOS added), a string in an array, or token ids used as given. */
    private int[] prompt(JsonNode p) {
        if (p != null && p.isArray() && p.size() == 1 && p.get(0).isTextual()) p = p.get(0);
        if (p != null && p.isTextual()) {
            if (p.asText().isEmpty()) throw ApiError.badRequest("prompt", "'prompt' is empty");
            return server.model().tokenizer().encodeWithBos(p.asText());
        }
        if (p != null && p.isArray() && !p.isEmpty()) {
            int vocab = server.model().config().vocabSize();
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode t = p.get(i);
                if (!t.isIntegralNumber() || t.asLong() < 0 || t.asLong() >= vocab) {
                    throw ApiError.badRequest("prompt", "'prompt' token " + i + " is not a token id of this model (0.." + (vocab - 1) + ")");
                }
                ids[i] = t.asInt();
            }
            return ids;
        }
        throw ApiError.badRequest("prompt", "'prompt' must be a string or a non-empty array of token ids (one prompt only)");
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

        private ObjectNode head() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("id", id).put("object", "text_completion").put("created", created).put("model", server.model().id());
            return o;
        }

        @Override
        public ObjectNode chunk(String text, List<GenerationRun.Token> tokens, String finishReason, boolean first) {
            if (first && text.isEmpty()) return choice(head(), "", List.of(), null, false);
            return choice(head(), text, tokens, finishReason, logprobs);
        }

        @Override
        public ObjectNode full(String text, List<GenerationRun.Token> tokens, String finishReason, ObjectNode usage) {
            ObjectNode o = choice(head(), text, tokens, finishReason, logprobs);
            o.set("usage", usage);
            return o;
        }

        @Override
        public ObjectNode usageChunk(ObjectNode usage) {
            ObjectNode o = head();
            o.putArray("choices");
            o.set("usage", usage);
            return o;
        }

        private ObjectNode choice(ObjectNode o, String text, List<GenerationRun.Token> tokens, String finish, boolean withLogprobs) {
            ObjectNode c = o.putArray("choices").addObject();
            c.put("text", text).put("index", 0);
            if (withLogprobs) {
                ObjectNode lp = c.putObject("logprobs");
                ArrayNode toks = lp.putArray("tokens"), lps = lp.putArray("token_logprobs"), tops = lp.putArray("top_logprobs"),
                        offsets = lp.putArray("text_offset");
                int offset = 0;
                for (GenerationRun.Token t : tokens) {
                    toks.add(t.text());
                    lps.add(t.logprob());
                    ObjectNode top = tops.addObject();
                    for (var alt : t.top()) top.put(server.tokenText(alt.id()), alt.logprob());
                    offsets.add(offset);
                    offset += t.text().length();
                }
            } else {
                c.putNull("logprobs");
            }
            if (finish == null) c.putNull("finish_reason"); else c.put("finish_reason", finish);
            return o;
        }
    }
}
