package mistral.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import mistral.engine.api.Conversation;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The endpoints over real HTTP: values against the engine, errors in OpenAI's shape. */
class ServerTest {
    static TestServer s;
    static final String MODEL_ID = "tiny-mistral-a-f32";

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer(2, 4, null, 120);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    /** A greedy chat completion returns what the engine's conversation generates for the same messages. */
    @Test
    void greedyChatEqualsTheEngine() throws Exception {
        HttpResponse<String> r = s.post("/v1/chat/completions", """
                {"model":"tiny-mistral-a-f32","messages":[{"role":"system","content":"Speak as Moses."},
                 {"role":"user","content":"In the beginning"}],"max_tokens":20,"temperature":0,"logprobs":true,"top_logprobs":3}""");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = json(r);
        assertEquals("chat.completion", j.get("object").asText());
        JsonNode choice = j.get("choices").get(0);
        try (MistralModel m = MistralModel.load(TestServer.MODEL, LoadOptions.builder().threads(1).build());
             Conversation c = m.chat("Speak as Moses.", false)) {
            GenerationResult g = c.send("In the beginning", GenerateOptions.greedy(20), (id, t) -> { });
            assertEquals(g.text(), choice.get("message").get("content").asText());
            assertEquals(g.generatedIds().length, j.get("usage").get("completion_tokens").asInt());
            assertEquals(g.promptIds().length, j.get("usage").get("prompt_tokens").asInt());
            assertEquals(g.stopReason() == mistral.engine.api.StopReason.EOS ? "stop" : "length", choice.get("finish_reason").asText());
            JsonNode lp = choice.get("logprobs").get("content");
            assertEquals(g.generatedIds().length, lp.size());
            for (int i = 0; i < lp.size(); i++) {
                assertEquals(g.logprobs()[i], lp.get(i).get("logprob").asDouble(), 1e-5); // a cached prefix changes the chunking: float noise
                assertEquals(3, lp.get(i).get("top_logprobs").size());
                assertEquals(lp.get(i).get("logprob").asDouble(), lp.get(i).get("top_logprobs").get(0).get("logprob").asDouble(), 1e-9); // greedy: the best
            }
        }
    }

    /** Streaming: chunks in OpenAI's format that add up to the non-streamed text, usage last, then [DONE]. */
    @Test
    void streamingAddsUpToTheWholeAnswer() throws Exception {
        String body = """
                {"messages":[{"role":"user","content":"And God said"}],"max_tokens":24,"temperature":0%s}""";
        String whole = json(s.post("/v1/chat/completions", body.formatted(""))).get("choices").get(0).get("message").get("content").asText();
        HttpResponse<String> r = s.post("/v1/chat/completions", body.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> events = new ArrayList<>(Arrays.asList(r.body().split("\n\n")));
        assertEquals("data: [DONE]", events.removeLast());
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (String e : events) {
            assertTrue(e.startsWith("data: {"), e);
            JsonNode c = Json.MAPPER.readTree(e.substring(6));
            assertEquals("chat.completion.chunk", c.get("object").asText());
            if (c.has("usage") && !c.get("usage").isNull()) usage = c.get("usage");
            for (JsonNode ch : c.get("choices")) {
                if (ch.get("delta").has("content")) text.append(ch.get("delta").get("content").asText());
                if (!ch.get("finish_reason").isNull()) finish = ch.get("finish_reason").asText();
            }
        }
        assertEquals(whole, text.toString());
        assertNotNull(finish);
        assertNotNull(usage);
        assertTrue(usage.get("completion_tokens").asInt() > 0);
    }

    @Test
    void stopSequencesCutTheAnswer() throws Exception {
        String base = """
                {"messages":[{"role":"user","content":"And God said"}],"max_tokens":40,"temperature":0%s}""";
        String whole = json(s.post("/v1/chat/completions", base.formatted(""))).get("choices").get(0).get("message").get("content").asText();
        assertTrue(whole.length() > 12, whole);
        String stop = whole.substring(6, 10);
        JsonNode cut = json(s.post("/v1/chat/completions", base.formatted(",\"stop\":[" + Json.MAPPER.writeValueAsString(stop) + "]")));
        assertEquals(whole.substring(0, whole.indexOf(stop)), cut.get("choices").get(0).get("message").get("content").asText());
        assertEquals("stop", cut.get("choices").get(0).get("finish_reason").asText());
    }

    /** Completions from token ids with logprobs and echo; the second identical request is served from the slot's cache. */
    @Test
    void completionsWithLogprobsEchoAndPrefixReuse() throws Exception {
        String req = """
                {"prompt":"In the beginning God created","max_tokens":8,"temperature":0,"logprobs":2,"echo":true}""";
        JsonNode a = json(s.post("/v1/completions", req));
        JsonNode choice = a.get("choices").get(0);
        assertEquals("text_completion", a.get("object").asText());
        assertTrue(choice.get("text").asText().startsWith("In the beginning God created"), choice.get("text").asText());
        assertEquals(8, choice.get("logprobs").get("tokens").size());
        assertEquals(2, choice.get("logprobs").get("top_logprobs").get(0).size());
        JsonNode b = json(s.post("/v1/completions", req));
        assertEquals(choice.get("text"), b.get("choices").get(0).get("text"));
        assertTrue(b.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt() > 0, b.toString());
        try (MistralModel m = MistralModel.load(TestServer.MODEL, LoadOptions.builder().threads(1).build())) {
            int[] ids = m.tokenizer().encodeWithBos("In the beginning God created");
            GenerationResult g = m.generate(ids, GenerateOptions.greedy(8), (id, t) -> { });
            JsonNode byIds = json(s.post("/v1/completions", "{\"prompt\":" + Arrays.toString(ids) + ",\"max_tokens\":8,\"temperature\":0}"));
            assertEquals(g.text(), byIds.get("choices").get(0).get("text").asText());
        }
    }

    @Test
    void moderationsAnswerWithTheSelfReflectionCategories() throws Exception {
        JsonNode j = json(s.post("/v1/moderations", "{\"input\":[\"In the beginning\",\"And God said\"]}"));
        assertEquals(2, j.get("results").size());
        JsonNode r = j.get("results").get(0);
        assertEquals(13, r.get("categories").size());
        assertTrue(r.get("categories").has("hate violence harassment"));
        assertEquals(!"not moderated".equals(r.get("category").asText()), r.get("flagged").asBoolean());
    }

    @Test
    void modelsHealthAndMetrics() throws Exception {
        assertEquals(MODEL_ID, json(s.get("/v1/models")).get("data").get(0).get("id").asText());
        assertEquals(200, s.get("/v1/models/" + MODEL_ID).statusCode());
        assertEquals("ok", json(s.get("/health")).get("status").asText());
        s.post("/v1/completions", "{\"prompt\":\"And\",\"max_tokens\":2}");
        HttpResponse<String> m = s.get("/metrics");
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
        PrometheusText.check(m.body());
        assertTrue(m.body().contains("mistral_requests_total{endpoint=\"completions\",status=\"200\"}"));
        assertTrue(Pattern.compile("(?m)^mistral_slots 2$").matcher(m.body()).find(), m.body());
    }

    @Test
    void badRequestsGetOpenAiShapedErrors() throws Exception {
        assertError(s.post("/v1/chat/completions", "{not json"), 400, null);
        assertError(s.post("/v1/chat/completions", "{\"messages\":\"hi\"}"), 400, "messages");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"temperature\":\"hot\"}"), 400, "temperature");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"n\":2}"), 400, "n");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"assistant\",\"content\":\"a\"}]}"), 400, "messages");
        assertError(s.post("/v1/chat/completions", "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}"), 404, "model");
        assertError(s.post("/v1/nothing", "{}"), 404, null);
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(5 << 20) + "\"}]}"), 413, null);
        assertError(s.post("/v1/completions", "{\"prompt\":[1,999999]}"), 400, "prompt");
    }

    static void assertError(HttpResponse<String> r, int status, String param) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = json(r).get("error");
        assertNotNull(e, r.body());
        assertFalse(e.get("message").asText().isEmpty());
        assertTrue(e.has("type") && e.has("param") && e.has("code"), r.body());
        if (param != null) assertEquals(param, e.get("param").asText(), r.body());
        assertFalse(r.body().contains("\tat "), "no stack trace to a client");
    }

    /** Without a window the context bounds prompt + max_tokens, checked before any work. */
    @Test
    void aPromptPastTheContextIsA400() throws Exception {
        try (TestServer small = new TestServer(1, 1, null, 60, LoadOptions.builder().threads(1).slidingWindow(0).context(64).build())) {
            HttpResponse<String> r = small.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"max_tokens\":100}");
            assertError(r, 400, "max_tokens");
            assertEquals("context_length_exceeded", json(r).get("error").get("code").asText());
            assertEquals(200, small.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"max_tokens\":10}").statusCode());
        }
    }

    @Test
    void anApiKeyGuardsTheApiButNotHealthOrMetrics() throws Exception {
        try (TestServer guarded = new TestServer(1, 1, "sesame", 60)) {
            assertError(guarded.post("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":1}"), 401, null);
            assertError(guarded.post("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":1}", "Authorization", "Bearer nope"), 401, null);
            assertEquals(200, guarded.post("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":1}", "Authorization", "Bearer sesame").statusCode());
            assertEquals(200, guarded.get("/health").statusCode());
            assertEquals(200, guarded.get("/metrics").statusCode());
        }
    }
}
