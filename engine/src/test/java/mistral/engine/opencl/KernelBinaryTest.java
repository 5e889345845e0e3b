package mistral.engine.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import mistral.engine.Fixtures;
import mistral.engine.cli.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FPGA flow on PoCL: a program binary built once, then runs that never compile source. */
class KernelBinaryTest {
    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void requireOpenCl() {
        RequireOpenCl.orSkip();
    }

    @Test
    void aPrebuiltBinaryRunsWithoutCompilingAndGivesTheSameLogProbs(@TempDir Path dir) throws Exception {
        Path binary = dir.resolve("kernels.bin");
        Result built = run("kernels", "--build-binary", "--device", "opencl:0", "--out", binary.toString());
        assertEquals(0, built.code(), built.err());
        assertTrue(Files.size(binary) > 0);
        String ids = Arrays.toString(Fixtures.ints(Fixtures.reference("q8_0").get("prompts").get(0).get("token_ids"))).replaceAll("[\\[\\] ]", "");
        String[] score = {"score", "--model", Fixtures.model("q8_0").toString(), "--token-ids", ids, "--device", "opencl:0", "--json"};
        Result fromSource = run(score);
        assertEquals(0, fromSource.code(), fromSource.err());

        String cache = System.getProperty("mistral.kernelCache");
        System.setProperty("mistral.kernelCache", dir.resolve("empty-cache").toString());
        System.setProperty("mistral.opencl.noCompile", "true");
        try {
            Result noSource = run(score);
            assertEquals(1, noSource.code());
            assertTrue(noSource.err().contains("compiling OpenCL source is disabled"), noSource.err());

            String[] withBinary = Arrays.copyOf(score, score.length + 2);
            withBinary[score.length] = "--kernel-binary";
            withBinary[score.length + 1] = binary.toString();
            Result fromBinary = run(withBinary);
            assertEquals(0, fromBinary.code(), fromBinary.err());
            assertEquals(fromSource.out(), fromBinary.out(), "log-probs from the binary equal the source-built run exactly");

            Path truncated = dir.resolve("truncated.bin");
            byte[] all = Files.readAllBytes(binary);
            Files.write(truncated, Arrays.copyOf(all, all.length / 2));
            withBinary[score.length + 1] = truncated.toString();
            Result bad = run(withBinary);
            assertEquals(1, bad.code());
            assertTrue(bad.err().startsWith("error: " + truncated + ": truncated kernel binary"), bad.err());

            Path corrupt = dir.resolve("corrupt.bin");
            byte[] flipped = all.clone();
            flipped[flipped.length - 100] ^= 0x55;
            Files.write(corrupt, flipped);
            withBinary[score.length + 1] = corrupt.toString();
            assertTrue(run(withBinary).err().contains("corrupt kernel binary"));

            withBinary[score.length + 1] = Fixtures.model("q8_0").toString(); // some other file: a foreign "binary"
            Result foreign = run(withBinary);
            assertEquals(1, foreign.code());
            assertTrue(foreign.err().contains("not a kernel binary for "), foreign.err());

            withBinary[score.length + 1] = dir.resolve("missing.bin").toString();
            assertTrue(run(withBinary).err().contains("missing.bin: no such kernel binary"));
        } finally {
            System.clearProperty("mistral.opencl.noCompile");
            if (cache == null) System.clearProperty("mistral.kernelCache"); else System.setProperty("mistral.kernelCache", cache);
        }
        Result notOpenCl = run("score", "--model", Fixtures.model("q8_0").toString(), "--token-ids", "1,2,3", "--kernel-binary", binary.toString());
        assertEquals(1, notOpenCl.code());
        assertTrue(notOpenCl.err().contains("--kernel-binary applies to --device opencl"), notOpenCl.err());
    }

    @Test
    void exportWritesTheProgramItsOptionsAndAManifest(@TempDir Path dir) throws Exception {
        Result r = run("kernels", "--export", dir.toString());
        assertEquals(0, r.code(), r.err());
        String source = Files.readString(dir.resolve("mistral-kernels.cl"));
        assertTrue(source.contains("kernel void") || source.contains("kernel void matvec_##T"));
        String options = Files.readString(dir.resolve("build-options.txt")).strip();
        assertTrue(options.startsWith("-cl-std=CL1.2 -DMV_LANES="), options);
        String manifest = Files.readString(dir.resolve("manifest.json"));
        for (String k : new String[] {"\"matvec_q4_0\"", "\"gemm_q8_0\"", "\"embed_f16\"", "\"attention_part\"", "\"attention_combine\"", "\"rmsnorm\""}) {
            assertTrue(manifest.contains(k), k + " in " + manifest);
        }
        assertTrue(manifest.contains("{\"name\": \"w\", \"address_space\": \"global\", \"type\": \"uchar*\"}"), manifest);
        assertEquals(2, run("kernels").code());
        assertEquals(2, run("kernels", "--build-binary", "--device", "opencl:0").code());
    }
}
