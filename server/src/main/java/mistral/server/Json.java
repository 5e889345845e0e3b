package mistral.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The one Jackson mapper, and typed reads of request fields that answer a 400 naming the field. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static JsonNode parse(byte[] body) {
        if (body.length == 0) throw ApiError.badRequest(null, "the request body is empty; expected a JSON object");
        JsonNode n;
        try {
            n = MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw ApiError.badRequest(null, "the request body is not valid JSON");
        }
        if (n == null || !n.isObject()) throw ApiError.badRequest(null, "the request body must be a JSON object");
        return n;
    }

    static boolean bool(JsonNode req, String field, boolean fallback) {
        JsonNode v = req.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isBoolean()) throw ApiError.badRequest(field, "'" + field + "' must be a boolean");
        return v.asBoolean();
    }

    static double number(JsonNode req, String field, double fallback, double min, double max) {
        JsonNode v = req.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isNumber()) throw ApiError.badRequest(field, "'" + field + "' must be a number");
        double d = v.asDouble();
        if (!(d >= min && d <= max)) throw ApiError.badRequest(field, "'" + field + "' must be between " + min + " and " + max + ", got " + d);
        return d;
    }

    static Integer integer(JsonNode req, String field, Integer fallback, long min, long max) {
        JsonNode v = req.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isIntegralNumber()) throw ApiError.badRequest(field, "'" + field + "' must be an integer");
        long l = v.asLong();
        if (l < min || l > max) throw ApiError.badRequest(field, "'" + field + "' must be between " + min + " and " + max + ", got " + l);
        return (int) l;
    }

    static String string(JsonNode req, String field, String fallback) {
        JsonNode v = req.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isTextual()) throw ApiError.badRequest(field, "'" + field + "' must be a string");
        return v.asText();
    }
}
