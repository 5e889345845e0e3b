package mistral.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import mistral.engine.gguf.GgufFile;
import mistral.engine.model.ConfigResolver;
import mistral.engine.model.ModelConfig;
import mistral.engine.tokenizer.SentencePieceTokenizer;
import mistral.tasks.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthAndBenchTest {
    @TempDir
    Path dir;

    @Test
    void synthWritesAModelOfThePresetShapeThatRuns() throws Exception {
        Path f = dir.resolve("s.gguf");
        CliTest.Result r = CliTest.run("synth", "--preset", "mistral-7b-v0.1", "--type", "Q8_0", "--out", f.toString(),
                "--layers", "2", "--dim", "256", "--heads", "8", "--kv-heads", "2", "--hidden", "512", "--vocab", "2000",
                "--sliding-window", "16", "--context", "256");
        assertEquals(0, r.code(), r.err());
        try (GgufFile g = GgufFile.open(f)) {
            ModelConfig c = ConfigResolver.resolve(g, ConfigResolver.Overrides.NONE);
            assertEquals(256, c.dim());
            assertEquals(2, c.layers());
            assertEquals(32, c.headDim());
            assertEquals(16, c.slidingWindow());
            assertEquals(10000f, c.ropeTheta());
            assertEquals(TensorType.Q8_0, g.tensor("blk.1.ffn_down.weight").type());
            assertEquals(TensorType.F32, g.tensor("blk.1.ffn_norm.weight").type());
            SentencePieceTokenizer tok = SentencePieceTokenizer.fromGguf(g);
            assertEquals(2000, tok.vocabSize());
            int[] ids = tok.encode("hello world, tokens!");
            assertEquals("hello world, tokens!", tok.decode(ids));
            assertTrue(ids.length < "hello world, tokens!".length(), "pieces merge");
        }
        // same seed, same bytes: synth is reproducible
        Path g = dir.resolve("t.gguf");
        CliTest.run("synth", "--preset", "tiny-mistral-a", "--type", "Q4_0", "--out", g.toString(), "--seed", "3");
        Path h = dir.resolve("u.gguf");
        CliTest.run("synth", "--preset", "tiny-mistral-a", "--type", "Q4_0", "--out", h.toString(), "--seed", "3");
        assertArrayEquals(java.nio.file.Files.readAllBytes(g), java.nio.file.Files.readAllBytes(h));

        CliTest.Result gen = CliTest.run("generate", "--model", f.toString(), "--prompt", "abc", "--max-tokens", "5",
                "--temperature", "0", "--json");
        assertEquals(0, gen.code(), gen.err());
        assertEquals(5, gen.json().get("generated_ids").size());
    }

    @Test
    void benchReportsSpeedAndTheKvCacheItAllocated() throws Exception {
        CliTest.Result r = CliTest.run("bench", "--model", CliTest.F32, "--prompt", "40", "--gen", "8", "--repeat", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("java", j.get("device").asText());
        assertTrue(j.get("prefill_tok_s").asDouble() > 0);
        assertTrue(j.get("decode_tok_s").asDouble() > 0);
        assertTrue(j.get("weight_gbps").asDouble() > 0);
        // window 32: 4 layers x 32 slots x 64 floats (2 kv heads x 32) x 4 bytes x (k and v)
        assertEquals(4L * 32 * 64 * 4 * 2, j.get("kv_cache_bytes").asLong());
        assertTrue(j.get("load_s").asDouble() > 0 && j.get("load_s").asDouble() < 60, j.toString());
        // the test JVM itself holds more than the 4 MB model: the peak is at least the file's size
        assertTrue(j.get("peak_rss_bytes").asLong() > 4_000_000L || !java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/status")), j.toString());
        assertEquals(2, CliTest.run("bench", "--model", CliTest.F32, "--prompt", "5000").code());
    }

    @Test
    void deviceComparisonWritesTheFourFiles() throws Exception {
        Path out = dir.resolve("cmp");
        CliTest.Result r = CliTest.run("bench", "--model", CliTest.F32, "--devices", "java", "--suite", "quick", "--repeat", "1",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(3, rows.size()); // prefill 32, decode 8, decode 8 @64
        assertEquals("prefill 32", rows.get(0).get("workload").asText());
        for (JsonNode row : rows) {
            assertTrue(row.get("tok_s").asDouble() > 0);
            assertEquals(4L * 32 * 64 * 4 * 2, row.get("kv_cache_bytes").asLong(), "the measured rolling-buffer allocation");
        }
        assertEquals(4, java.nio.file.Files.readAllLines(out.resolve("results.csv")).size());
        assertTrue(java.nio.file.Files.readString(out.resolve("report.md")).contains("| java | decode 8 @64 |"));
        byte[] png = java.nio.file.Files.readAllBytes(out.resolve("report.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        assertTrue(png.length > 5000, "a chart, not an empty image");
        assertEquals(1, CliTest.run("bench", "--model", CliTest.F32, "--devices", "java", "--suite", "nope", "--out", out.toString()).code());
    }

    /** --parallel: one entry per sequence count, in --json and in the device comparison's reports; bad counts are usage errors. */
    @Test
    void parallelBenchReportsEachSequenceCount() throws Exception {
        CliTest.Result r = CliTest.run("bench", "--model", CliTest.F32, "--prompt", "8", "--gen", "8", "--repeat", "1",
                "--parallel", "1,2,4", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode p = r.json().get("parallel");
        assertEquals(3, p.size());
        for (int i = 0; i < 3; i++) {
            JsonNode e = p.get(i);
            assertEquals(new int[] {1, 2, 4}[i], e.get("sequences").asInt());
            assertTrue(e.get("aggregate_decode_tok_s").asDouble() > 0 && e.get("per_stream_decode_tok_s").asDouble() > 0
                    && e.get("prefill_tok_s").asDouble() > 0, e.toString());
            // B streams of 8 tokens, each decoding within the whole decode's time: aggregate <= B x a stream's rate
            // (how close to it depends on the scheduling, so only the bound is checked)
            int b = e.get("sequences").asInt();
            assertTrue(e.get("aggregate_decode_tok_s").asDouble() <= b * e.get("per_stream_decode_tok_s").asDouble() * 1.01, e.toString());
        }
        assertTrue(r.json().get("decode_tok_s").asDouble() > 0, "the single-sequence fields stay");
        for (String bad : new String[] {"0", "2,x", "", "1,,2"}) {
            CliTest.Result b = CliTest.run("bench", "--model", CliTest.F32, "--parallel", bad);
            assertEquals(2, b.code(), bad + ": " + b.err());
            assertTrue(b.err().contains("--parallel"), b.err());
        }
        Path out = dir.resolve("cmp-parallel");
        CliTest.Result c = CliTest.run("bench", "--model", CliTest.F32, "--devices", "java", "--suite", "quick", "--repeat", "1",
                "--parallel", "2", "--out", out.toString());
        assertEquals(0, c.code(), c.err());
        String md = java.nio.file.Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("aggregate decode x2") && md.contains("per-stream decode x2"), md);
    }
}
