package mistral.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import mistral.engine.api.GenerateOptions;
import mistral.engine.model.SamplingOptions;

/**
 * The sampling fields chat and text completions share, read and checked as OpenAI documents
 * them: a wrong type or value is a 400 that names the field.
 *
 * @param maxTokens null: as many as fit the context
 */
record GenerationRequest(Integer maxTokens, SamplingOptions sampling, List<String> stop, boolean stream, boolean includeUsage) {

    static GenerationRequest parse(JsonNode req) {
        Integer n = Json.integer(req, "n", 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (n != 1) throw ApiError.badRequest("n", "only n=1 is supported, got " + n);
        for (String f : new String[] {"presence_penalty", "frequency_penalty"}) {
            double v = Json.number(req, f, 0, -2, 2);
            if (v != 0) throw ApiError.badRequest(f, "'" + f + "' is not supported (only 0)");
        }
        if (req.has("tools") && !req.get("tools").isNull() && req.get("tools").size() > 0) {
            throw ApiError.badRequest("tools", "tool calls are not supported");
        }
        JsonNode format = req.get("response_format");
        if (format != null && !format.isNull() && !"text".equals(format.path("type").asText("text"))) {
            throw ApiError.badRequest("response_format", "only response_format {\"type\":\"text\"} is supported");
        }
        Integer maxTokens = Json.integer(req, "max_completion_tokens", null, 0, Integer.MAX_VALUE);
        if (maxTokens == null) maxTokens = Json.integer(req, "max_tokens", null, 0, Integer.MAX_VALUE);
        float temperature = (float) Json.number(req, "temperature", 1.0, 0, 2);
        float topP = (float) Json.number(req, "top_p", 1.0, 0, 1);
        if (topP == 0) topP = Float.MIN_VALUE; // OpenAI allows 0: only the top token
        JsonNode seed = req.get("seed");
        if (seed != null && !seed.isNull() && !seed.isIntegralNumber()) throw ApiError.badRequest("seed", "'seed' must be an integer");
        SamplingOptions sampling = new SamplingOptions(temperature, topP, 0, seed != null && !seed.isNull() ? seed.asLong() : System.nanoTime());
        boolean stream = Json.bool(req, "stream", false);
        JsonNode so = req.get("stream_options");
        boolean usage = so != null && so.isObject() && Json.bool(so, "include_usage", false);
        return new GenerationRequest(maxTokens, sampling, stops(req.get("stop")), stream, usage);
    }

    private static List<String> stops(JsonNode stop) {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) return out;
        if (stop.isTextual()) {
            if (!stop.asText().isEmpty()) out.add(stop.asText());
            return out;
        }
        if (!stop.isArray()) throw ApiError.badRequest("stop", "'stop' must be a string or an array of strings");
        if (stop.size() > 4) throw ApiError.badRequest("stop", "'stop' takes at most 4 sequences");
        for (JsonNode s : stop) {
            if (!s.isTextual()) throw ApiError.badRequest("stop", "'stop' must be a string or an array of strings");
            if (!s.asText().isEmpty()) out.add(s.asText());
        }
        return out;
    }

    /** The token budget for a prompt: as asked, else what the context leaves (at most 4096). */
    GenerateOptions options(int promptTokens, int context, boolean rolling) {
        int budget = maxTokens != null ? maxTokens : rolling ? 4096 : Math.max(0, Math.min(4096, context - promptTokens));
        if (!rolling && (long) promptTokens + budget > context) {
            throw new ApiError(400, "invalid_request_error", maxTokens != null ? "max_tokens" : "messages", "context_length_exceeded",
                    "the prompt (" + promptTokens + " tokens) plus max_tokens (" + budget + ") exceeds the context of " + context + " tokens");
        }
        return new GenerateOptions(budget, sampling, 0);
    }
}
