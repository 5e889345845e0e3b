package mistral.engine.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import mistral.engine.model.ConfigResolver;
import mistral.engine.model.MistralWeights;
import mistral.engine.model.ModelConfig;
import mistral.engine.tokenizer.SentencePieceTokenizer;

/**
 * The loader reads untrusted files: any byte string must either load or fail with the project's
 * own {@link GgufException}, never another exception, a hang or an out-of-memory. Regression runs
 * (every {@code bin/test}) replay the seeds and findings under {@code GgufFuzzTestInputs/};
 * {@code scripts/fuzz.sh} fuzzes, coverage-guided, for as long as asked.
 */
class GgufFuzzTest {
    private static final Path NAME = Path.of("fuzzed.gguf");

    @FuzzTest(maxDuration = "10s")
    void loadsOrFailsClearly(byte[] data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment file = arena.allocate(Math.max(1, data.length), 64);
            MemorySegment.copy(data, 0, file, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data.length);
            try (GgufFile g = GgufFile.of(NAME, file.asSlice(0, data.length))) {
                SentencePieceTokenizer tok = SentencePieceTokenizer.fromGguf(g);
                tok.decode(tok.encode("In the beginning God created the heaven and the earth. \u00e9\ud83e\udd99"));
                ModelConfig c = ConfigResolver.resolve(g, ConfigResolver.Overrides.NONE);
                MistralWeights.load(g, c);
            } catch (GgufException expected) {
                // the project's clear error, naming the file
            }
        }
    }
}
