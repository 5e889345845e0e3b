package mistral.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import mistral.engine.Fixtures;
import org.junit.jupiter.api.Test;

class CliTest {
    record Result(int code, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static final String F32 = Fixtures.model("f32").toString();

    @Test
    void generateJsonIsTheGreedyReference() throws Exception {
        JsonNode g = Fixtures.reference("f32").get("greedy").get(1);
        String ids = g.get("prompt_token_ids").toString().replaceAll("[\\[\\] ]", "");
        Result r = run("generate", "--model", F32, "--prompt-ids", ids, "--max-tokens", "64", "--temperature", "0", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(g.get("generated_ids"), j.get("generated_ids"));
        assertEquals(g.get("prompt_token_ids"), j.get("prompt_ids"));
        assertEquals(g.get("full_text").asText(), g.get("prompt_text").asText() + j.get("text").asText());
    }

    @Test
    void generateStreamsText() {
        Result r = run("generate", "--model", F32, "--prompt", "In the beginning", "--max-tokens", "8", "--temperature", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("In the beginning "), r.out());
        assertTrue(r.err().contains("decode: 8 tokens"), r.err());
    }

    @Test
    void seededSamplingRepeats() {
        String[] args = {"generate", "--model", F32, "--prompt", "And God said", "--max-tokens", "12", "--temperature", "0.9",
                "--top-p", "0.9", "--top-k", "20", "--seed", "42", "--json"};
        Result a = run(args), b = run(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
    }

    @Test
    void scoreJsonMatchesTheReference() throws Exception {
        JsonNode p = Fixtures.reference("f32").get("prompts").get(2);
        String ids = p.get("token_ids").toString().replaceAll("[\\[\\] ]", "");
        Result r = run("score", "--model", F32, "--token-ids", ids, "--json", "--chunk-size", "13");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(p.get("token_ids"), j.get("token_ids"));
        JsonNode lp = j.get("logprobs");
        assertEquals(p.get("n_tokens").asInt() - 1, lp.size());
        for (int i = 0; i < lp.size(); i++) {
            assertEquals(p.get("next_token_logprob").get(i).asDouble(), lp.get(i).asDouble(), 1e-3);
        }
        assertEquals(p.get("perplexity").asDouble(), j.get("perplexity").asDouble(), 0.01);
    }

    @Test
    void tokenizeWorksOnAVocabOnlyFile() throws Exception {
        Result r = run("tokenize", "--model", Fixtures.VOCAB.toString(), "--text", "Hello world!", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("[22557,1526,28808]", r.json().get("ids").toString());
    }

    @Test
    void infoShowsTheRollingBufferSaving() {
        Result r = run("info", "--preset", "mistral-7b-v0.1", "--context", "32768");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("8.0x smaller"), r.out());
        Result off = run("info", "--preset", "mistral-7b-v0.1", "--context", "32768", "--sliding-window", "0");
        assertTrue(off.out().contains("1.0x smaller"), off.out());
    }

    @Test
    void badInputIsAOneLineErrorAndNonZeroExit() {
        assertEquals(2, run().code());
        assertEquals(2, run("frobnicate").code());
        assertEquals(2, run("generate", "--model", F32, "--prompt", "x", "--bogus").code());
        assertEquals(2, run("generate", "--model", F32, "--prompt", "x", "--max-tokens", "many").code());
        assertEquals(2, run("generate", "--model", F32).code());
        assertEquals(2, run("score", "--model", F32, "--token-ids", "1,x").code());
        Result missing = run("generate", "--model", "no/such.gguf", "--prompt", "x");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no/such.gguf") && missing.err().contains("no such file"), missing.err());
        assertEquals(1, missing.err().strip().lines().count());
        Result overflow = run("generate", "--model", F32, "--prompt", "x", "--max-tokens", "5000");
        assertEquals(1, overflow.code());
        assertTrue(overflow.err().contains("context overflow"), overflow.err());
        assertEquals(1, run("generate", "--model", F32, "--prompt", "x", "--device", "quantum").code());
        assertEquals(1, run("generate", "--model", F32, "--prompt", "x", "--temperature", "-1").code());
        assertEquals(1, run("score", "--model", F32, "--token-ids", "1,99999").code());
        assertEquals(0, run("generate", "--help").code());
        if (mistral.tasks.Devices.tornadoUnavailable().isPresent()) {
            Result tornado = run("generate", "--model", F32, "--prompt", "x", "--device", "tornado");
            assertEquals(1, tornado.code());
            assertTrue(tornado.err().contains("TornadoVM"), tornado.err());
        }
        assertEquals(1, run("generate", "--model", F32, "--prompt", "x", "--device", "opencl:x").code());
    }
}
