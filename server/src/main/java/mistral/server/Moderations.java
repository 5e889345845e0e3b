package mistral.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import mistral.engine.api.ModerationResult;
import mistral.engine.chat.SafetyPrompts;

/**
 * {@code POST /v1/moderations} in OpenAI's shape, answered by Mistral's self-reflection
 * classifier: the categories are its 13, {@code category_scores} their normalized probabilities,
 * and {@code flagged} whether the best answer is one of them rather than "not moderated".
 */
final class Moderations {
    private final OpenAiServer server;

    Moderations(OpenAiServer server) {
        this.server = server;
    }

    void handle(Context ctx) {
        JsonNode req = server.body(ctx);
        server.checkModel(req);
        List<String> inputs = inputs(req.get("input"));
        SlotPool.Slot slot = server.acquire(null, System.nanoTime() + server.timeoutNanos());
        ObjectNode o = Json.MAPPER.createObjectNode();
        try {
            o.put("id", "modr-" + UUID.randomUUID().toString().replace("-", "")).put("model", server.model().id());
            ArrayNode results = o.putArray("results");
            for (String text : inputs) {
                ModerationResult m = server.model().moderate(text);
                ObjectNode r = results.addObject();
                r.put("flagged", m.flagged());
                ObjectNode categories = r.putObject("categories"), scores = r.putObject("category_scores");
                for (String label : SafetyPrompts.MODERATION_LABELS) {
                    if (label.equals(SafetyPrompts.NOT_MODERATED)) continue;
                    categories.put(label, m.category().equals(label));
                    scores.put(label, m.probabilities().get(label));
                }
                r.put("category", m.category());
            }
        } finally {
            server.release(slot);
        }
        server.metrics().request("moderations", 200);
        ctx.status(200).contentType("application/json").result(o.toString());
    }

    private static List<String> inputs(JsonNode in) {
        List<String> out = new ArrayList<>();
        if (in != null && in.isTextual()) out.add(in.asText());
        else if (in != null && in.isArray() && !in.isEmpty()) {
            for (JsonNode s : in) {
                if (!s.isTextual()) throw ApiError.badRequest("input", "'input' must be a string or an array of strings");
                out.add(s.asText());
            }
        } else {
            throw ApiError.badRequest("input", "'input' must be a string or a non-empty array of strings");
        }
        if (out.size() > 32) throw ApiError.badRequest("input", "at most 32 inputs per request");
        return out;
    }
}
