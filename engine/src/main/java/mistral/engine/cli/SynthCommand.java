package mistral.engine.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import mistral.engine.model.ModelConfig;
import mistral.engine.model.Preset;
import mistral.engine.synth.SyntheticModel;
import mistral.tasks.TensorType;
import mistral.tasks.java.JavaBackend;

/** Writes a random-weight model of a preset's (or an explicit) shape, for benchmarks without downloads. */
final class SynthCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral synth --preset NAME --type T --out F [options]
                  --preset NAME        shape to start from (mistral-7b-v0.1, mistral-7b-v0.2, tiny-mistral-a, ...)
                  --type T             F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K (Q4_K and Q5_K: llama.cpp's _K_M mixes;
                                       output.weight in Q6_K for Q4_0 and the K types, as llama-quantize writes)
                  --out F              the GGUF file to write
                  --seed S             random seed (default 1)
                  --dim, --layers, --heads, --kv-heads, --head-dim, --hidden, --vocab, --context,
                  --sliding-window, --rope-theta   override the preset's shape
                  --threads N          threads for quantizing""";
    }

    @Override
    Set<String> valued() {
        return Set.of("--preset", "--type", "--out", "--seed", "--dim", "--layers", "--heads", "--kv-heads", "--head-dim",
                "--hidden", "--vocab", "--context", "--sliding-window", "--rope-theta", "--threads");
    }

    @Override
    Set<String> switches() {
        return Set.of();
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        ModelConfig p = Preset.load(a.required("--preset")).config();
        TensorType type;
        try {
            type = TensorType.valueOf(a.required("--type").toUpperCase(Locale.ROOT));
            if (!type.inFiles()) throw new IllegalArgumentException();
        } catch (IllegalArgumentException e) {
            throw new UsageException("synth: --type must be one of " + TensorType.fileTypes());
        }
        int dim = a.integer("--dim", p.dim()), heads = a.integer("--heads", p.heads());
        ModelConfig c = new ModelConfig(dim, a.integer("--layers", p.layers()), heads, a.integer("--kv-heads", p.kvHeads()),
                a.integer("--head-dim", a.has("--dim") || a.has("--heads") ? dim / heads : p.headDim()),
                a.integer("--hidden", p.hiddenDim()), a.integer("--vocab", p.vocabSize()), p.normEps(),
                a.real("--rope-theta", p.ropeTheta()), a.integer("--context", p.contextLength()),
                a.integer("--sliding-window", p.slidingWindow()), "synth");
        for (String[] d : new String[][] {{"--dim", "" + c.dim()}, {"--hidden", "" + c.hiddenDim()}, {"--heads x --head-dim", "" + c.qDim()}}) {
            if (Integer.parseInt(d[1]) % type.blockSize != 0) {
                throw new UsageException("synth: " + type + " stores rows in blocks of " + type.blockSize + " weights; " + d[0] + " " + d[1]
                        + " is not a multiple of " + type.blockSize);
            }
        }
        Path file = Path.of(a.required("--out"));
        err.println("synth: " + c.describe().replace("\n", "\n       "));
        try {
            ProgressLine progress = new ProgressLine(err);
            SyntheticModel.write(c, type, a.longValue("--seed", 1), file, a.integer("--threads", JavaBackend.defaultThreads()), progress::update);
            progress.done();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        out.println(file);
    }
}
