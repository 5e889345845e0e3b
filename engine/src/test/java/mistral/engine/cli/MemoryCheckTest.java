package mistral.engine.cli;

import static mistral.engine.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import mistral.engine.cli.CliTest.Result;
import org.junit.jupiter.api.Test;

/** A model whose Java-backend copy does not fit the memory left is a clear error that points at --mmap. */
class MemoryCheckTest {
    @Test
    void tooLittleMemoryIsAClearErrorAndMmapStillRuns() {
        System.setProperty("mistral.availableMemory", "1000000"); // 1 MB: less than the tiny model's 2.9 MB of F32 weights
        try {
            Result r = run("generate", "--model", CliTest.F32, "--prompt", "In the beginning", "--max-tokens", "2");
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().startsWith("error: the Java backend's copy of the weights needs") && r.err().contains("use --mmap"), r.err());
            Result mmap = run("generate", "--model", CliTest.F32, "--prompt", "In the beginning", "--max-tokens", "2", "--mmap");
            assertEquals(0, mmap.code(), mmap.err());
        } finally {
            System.clearProperty("mistral.availableMemory");
        }
    }
}
