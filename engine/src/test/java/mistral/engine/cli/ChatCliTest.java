package mistral.engine.cli;

import static mistral.engine.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import mistral.engine.Fixtures;
import mistral.engine.cli.CliTest.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatCliTest {
    static final String F32 = Fixtures.model("f32").toString();

    /** The conversation's ids, cut before the last answer, continue greedily into that answer token for token. */
    @Test
    void scriptedChatContinuesAsGenerateDoes() throws Exception {
        Result chat = run("chat", "--model", F32, "--message", "In the beginning", "--message", "And the earth was without form",
                "--max-tokens", "16", "--temperature", "0", "--system", "Speak as Moses.", "--json");
        assertEquals(0, chat.code(), chat.err());
        JsonNode j = chat.json();
        assertEquals(2, j.get("turns").size());
        int[] ids = mistral.engine.Fixtures.ints(j.get("ids"));
        JsonNode last = j.get("turns").get(1);
        int answer = last.get("generated_ids").size();
        assertEquals(2, ids[ids.length - 1]); // the answer closes with EOS
        int[] prompt = Arrays.copyOf(ids, ids.length - answer - 1);
        Result gen = run("generate", "--model", F32, "--prompt-ids", Arrays.toString(prompt).replaceAll("[\\[\\] ]", ""),
                "--max-tokens", "16", "--temperature", "0", "--json");
        assertEquals(0, gen.code(), gen.err());
        assertEquals(last.get("generated_ids"), gen.json().get("generated_ids"));
        assertEquals(last.get("stop").asText(), gen.json().get("stop").asText());
        assertEquals(1, ids[0]);
    }

    @Test
    void tokenizeChatGivesTheCookbookIds(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chat.json");
        Files.writeString(file, """
                [{"role":"user","content":"user message"},{"role":"assistant","content":"assistant message"},
                 {"role":"user","content":"new user message"}]""");
        Result r = run("tokenize", "--model", Fixtures.VOCAB.toString(), "--chat", file.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("[1,733,16289,28793,2188,2928,733,28748,16289,28793,13892,2928,2,733,16289,28793,633,2188,2928,733,28748,16289,28793]",
                r.json().get("ids").toString());
        Result safe = run("tokenize", "--model", Fixtures.VOCAB.toString(), "--chat", file.toString(), "--safe-prompt", "--json");
        assertEquals(0, safe.code(), safe.err());
        assertEquals(17484, safe.json().get("ids").get(4).asInt()); // "Always", the guardrail's first word
    }

    @Test
    void badChatFilesAreClearErrors(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "[{\"role\":\"user\",\"content\":");
        Result r = run("tokenize", "--model", Fixtures.VOCAB.toString(), "--chat", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: " + bad + ": not valid JSON"), r.err());
        Files.writeString(bad, "[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"robot\",\"content\":\"b\"}]");
        r = run("tokenize", "--model", Fixtures.VOCAB.toString(), "--chat", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("message 1: unknown role 'robot'"), r.err());
        Files.writeString(bad, "[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"}]");
        r = run("tokenize", "--model", Fixtures.VOCAB.toString(), "--chat", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("message 1 is user, expected assistant"), r.err());
        r = run("tokenize", "--model", Fixtures.VOCAB.toString(), "--chat", dir.resolve("missing.json").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("missing.json: no such file"), r.err());
    }

    @Test
    void moderateJsonHasEveryLabel() throws Exception {
        Result r = run("moderate", "--model", F32, "--text", "In the beginning God created the heaven", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(14, j.get("scores").size());
        assertEquals(14, j.get("probabilities").size());
        String category = j.get("category").asText();
        double best = Double.NEGATIVE_INFINITY;
        for (JsonNode s : j.get("scores")) best = Math.max(best, s.asDouble());
        assertEquals(best, j.get("scores").get(category).asDouble(), 0);
        assertEquals(1, j.get("prompt_ids").get(0).asInt());
    }

    /** synth writes v0.3's vocabulary layout for the v0.3 preset: [INST] and [/INST] as control tokens 3 and 4 (V3 template). */
    @Test
    void v3VocabularyFromSynth(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("v3.gguf"), file = dir.resolve("chat.json");
        Result s = run("synth", "--preset", "mistral-7b-v0.3", "--type", "F32", "--out", model.toString(), "--dim", "64", "--layers", "1",
                "--heads", "2", "--kv-heads", "1", "--hidden", "64");
        assertEquals(0, s.code(), s.err());
        Files.writeString(file, "[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"}]");
        Result r = run("tokenize", "--model", model.toString(), "--chat", file.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        int[] ids = Fixtures.ints(r.json().get("ids"));
        int[] a = ints(run("tokenize", "--model", model.toString(), "--text", "a", "--json"));
        int[] b = ints(run("tokenize", "--model", model.toString(), "--text", "b", "--json"));
        int[] c = ints(run("tokenize", "--model", model.toString(), "--text", "s\n\nc", "--json"));
        int[] expected = java.util.stream.IntStream.of(concat(new int[] {1, 3}, a, new int[] {4}, b, new int[] {2, 3}, c, new int[] {4})).toArray();
        assertEquals(Arrays.toString(expected), Arrays.toString(ids));
    }

    private static int[] ints(Result r) throws Exception {
        assertEquals(0, r.code(), r.err());
        return Fixtures.ints(r.json().get("ids"));
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(java.util.stream.IntStream::of).toArray();
    }

    @Test
    void chatUsageErrors() {
        assertEquals(2, run("chat", "--model", F32, "--json").code());
        assertEquals(2, run("tokenize", "--model", F32).code());
        assertEquals(2, run("tokenize", "--model", F32, "--text", "a", "--safe-prompt").code());
    }
}
