package mistral.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mistral.engine.Fixtures;
import mistral.engine.gguf.GgufFile;
import mistral.tasks.TensorType;
import mistral.tasks.opencl.OpenClBackend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * K-quant models end to end: the synthetic models of fixtures/kquants (which `synth` writes the same
 * every time) score as llama.cpp scores them, on the Java backend and through OpenCL. llama.cpp quantizes activations to 8 bits in its
 * K-quant dot products and keeps an F16 KV cache, so the two agree to 0.01 (measured), not to float
 * rounding; the weights themselves are checked bit for bit against gguf-py in KQuantsTest.
 */
class KQuantModelTest {
    static final JsonNode LLAMA = Fixtures.json(Fixtures.ROOT.resolve("kquants/llama-cpp-logprobs.json"));

    @TempDir
    Path dir;

    private Path synth(String type) {
        Path f = dir.resolve(type + ".gguf");
        List<String> args = new ArrayList<>(List.of("synth", "--type", type, "--out", f.toString()));
        LLAMA.get("synth_args").forEach(a -> args.add(a.asText()));
        CliTest.Result r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q4_K", "Q5_K", "Q6_K"})
    void scoresAsLlamaCppDoes(String type) throws Exception {
        Path f = synth(type);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(TensorType.valueOf(type), g.tensor("blk.0.ffn_down.weight").type());
            // Q4_K and Q5_K files are llama.cpp's Q4_K_M / Q5_K_M mixes: the output and (of 2 layers) layer 1's attn_v and ffn_down in Q6_K
            assertEquals(TensorType.Q6_K, g.tensor("blk.1.ffn_down.weight").type());
            assertEquals(TensorType.Q6_K, g.tensor("blk.1.attn_v.weight").type());
            assertEquals(TensorType.Q6_K, g.tensor("output.weight").type());
        }
        StringBuilder ids = new StringBuilder();
        LLAMA.get("token_ids").forEach(t -> ids.append(ids.isEmpty() ? "" : ",").append(t.asInt()));
        CliTest.Result r = CliTest.run("score", "--model", f.toString(), "--token-ids", ids.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        double[] expected = Fixtures.doubles(LLAMA.get("models").get(type));
        JsonNode actual = r.json().get("logprobs");
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.get(i).asDouble(), 0.02, type + " position " + i);
        }
    }

    /** The OpenCL kernels (PoCL here) read K-quant blocks as the Java backend does: the same log-probs to float rounding. */
    @ParameterizedTest
    @ValueSource(strings = {"Q4_K", "Q5_K", "Q6_K"})
    void openClScoresAsTheJavaBackendDoes(String type) throws Exception {
        Assumptions.assumeTrue(OpenClBackend.unavailable().isEmpty(), "no OpenCL device");
        Path f = synth(type);
        StringBuilder ids = new StringBuilder();
        LLAMA.get("token_ids").forEach(t -> ids.append(ids.isEmpty() ? "" : ",").append(t.asInt()));
        JsonNode java = CliTest.run("score", "--model", f.toString(), "--token-ids", ids.toString(), "--json").json().get("logprobs");
        CliTest.Result r = CliTest.run("score", "--model", f.toString(), "--device", "opencl", "--token-ids", ids.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode opencl = r.json().get("logprobs");
        for (int i = 0; i < java.size(); i++) assertEquals(java.get(i).asDouble(), opencl.get(i).asDouble(), 1e-4, type + " position " + i);
    }

    /** info lists the mix: 13 Q4_K matrices, Q6_K for the output and layer 1's attn_v and ffn_down. */
    @Test
    void infoCountsTheWeightsPerType() {
        Path f = synth("Q4_K");
        CliTest.Result r = CliTest.run("info", "--model", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*\\n  Q4_K +[0-9,]+ \\( *[0-9.]+%, 13 tensors\\).*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  Q6_K +[0-9,]+ \\( *[0-9.]+%, 3 tensors\\).*"), r.out());
    }

    @Test
    void synthRefusesShapesThatAreNotWholeSuperBlocks() {
        CliTest.Result r = CliTest.run("synth", "--preset", "tiny-mistral-a", "--type", "Q4_K", "--out", dir.resolve("x.gguf").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("256") && r.err().contains("--dim 128"), r.err());
    }
}
