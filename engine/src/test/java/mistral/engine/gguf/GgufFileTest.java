package mistral.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import mistral.engine.Fixtures;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import mistral.tasks.TensorType;
import mistral.tasks.graph.WeightTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    @TempDir
    Path dir;

    @Test
    void readsTheFixtureHeader() {
        try (GgufFile g = GgufFile.open(Fixtures.model("q4_0"))) {
            assertEquals(3, g.version());
            assertEquals("llama", g.string("general.architecture"));
            assertEquals(128, g.integer("llama.embedding_length"));
            assertEquals(32, g.integer("llama.attention.sliding_window"));
            assertEquals(1e-5, g.real("llama.attention.layer_norm_rms_epsilon"), 1e-9);
            assertEquals(1024, g.get("tokenizer.ggml.tokens", String[].class).length);
            WeightTensor q = g.tensor("blk.0.attn_q.weight");
            assertEquals(TensorType.Q4_0, q.type());
            assertEquals(128, q.rows());
            assertEquals(128, q.cols());
            assertEquals(128 * 4 * 18, q.byteSize());
            assertEquals(TensorType.F32, g.tensor("blk.0.attn_norm.weight").type());
        }
    }

    private Path write(GgufWriter w, long dataBytes) throws IOException {
        Path p = dir.resolve("t.gguf");
        w.write(p, (name, ch) -> ch.write(ByteBuffer.allocate((int) dataBytes)));
        return p;
    }

    private static GgufWriter oneTensor(long[] dims, int type, long bytes) {
        return new GgufWriter().put("general.architecture", "llama").tensor("w", dims, type, bytes);
    }

    private static String error(Path p) {
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void wrongMagic() throws IOException {
        Path p = dir.resolve("bad.gguf");
        Files.write(p, "NOTAGGUFFILE-but-long-enough-to-have-a-header".getBytes());
        assertTrue(error(p).contains("not a GGUF file"));
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] all = Files.readAllBytes(Fixtures.model("q8_0"));
        Path header = dir.resolve("header.gguf");
        Files.write(header, java.util.Arrays.copyOf(all, 5000)); // cut inside the metadata
        assertTrue(error(header).contains("truncated"));
        Path data = dir.resolve("data.gguf");
        Files.write(data, java.util.Arrays.copyOf(all, all.length - 100)); // cut inside the last tensor
        assertTrue(error(data).contains("runs past the end"));
        Path tiny = dir.resolve("tiny.gguf");
        Files.write(tiny, new byte[] {'G', 'G'});
        assertTrue(error(tiny).contains("truncated"));
    }

    @Test
    void tensorOffsetPastTheEnd() throws IOException {
        Path p = dir.resolve("t.gguf");
        new GgufWriter().tensor("a", new long[] {32}, 0, 128).tensor("b", new long[] {32}, 0, 128)
                .write(p, (name, ch) -> ch.write(ByteBuffer.allocate(128)));
        byte[] b = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(b, b.length - 64)); // cut tensor b's data in half
        String m = error(p);
        assertTrue(m.contains("tensor b") && m.contains("past the end"), m);
    }

    @Test
    void absurdDimensions() throws IOException {
        String m = error(write(oneTensor(new long[] {1L << 40, 1L << 30}, 0, 64), 64));
        assertTrue(m.contains("absurd dimensions"), m);
        m = error(write(oneTensor(new long[] {0}, 0, 0), 0));
        assertTrue(m.contains("absurd dimensions"), m);
    }

    @Test
    void absurdCounts() throws IOException {
        Path p = write(oneTensor(new long[] {32}, 0, 128), 128);
        byte[] b = Files.readAllBytes(p);
        ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(16, Long.MAX_VALUE); // metadata count
        Files.write(p, b);
        assertTrue(error(p).contains("metadata count"));
    }

    @Test
    void unknownTensorTypeNamesTensorAndType() throws IOException {
        Path p = write(oneTensor(new long[] {256}, 11, 110), 110); // Q3_K
        try (GgufFile g = GgufFile.open(p)) {
            GgufException e = assertThrows(GgufException.class, () -> g.tensor("w"));
            assertTrue(e.getMessage().contains("tensor w has type Q3_K"), e.getMessage());
        }
        Path q = write(oneTensor(new long[] {32}, 99, 32), 32);
        try (GgufFile g = GgufFile.open(q)) {
            assertTrue(assertThrows(GgufException.class, () -> g.tensor("w")).getMessage().contains("unknown type 99"));
        }
    }

    @Test
    void loadingAModelFromAVocabOnlyFileSaysWhatIsMissing() {
        GgufException e = assertThrows(GgufException.class, () -> MistralModel.load(Fixtures.VOCAB, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void writerRoundTripsMetadata() throws IOException {
        Path p = dir.resolve("m.gguf");
        new GgufWriter().put("s", "héllo").putU32("u", 7).putF32("f", 1.5f).putBool("b", true)
                .put("arr", new String[] {"a", "bc"}).put("fs", new float[] {1f, 2f}).put("is", new int[] {3, 4})
                .tensor("t", new long[] {32, 2}, TensorType.F32.ggmlId, 256)
                .write(p, (name, ch) -> ch.write(ByteBuffer.allocate(256)));
        try (GgufFile g = GgufFile.open(p)) {
            assertEquals("héllo", g.string("s"));
            assertEquals(7, g.integer("u"));
            assertEquals(1.5, g.real("f"));
            assertTrue(g.bool("b", false));
            assertEquals(2, g.get("arr", String[].class).length);
            assertEquals(2f, g.get("fs", float[].class)[1]);
            assertEquals(4, g.get("is", int[].class)[1]);
            assertEquals(2, g.tensor("t").rows());
        }
    }
}
