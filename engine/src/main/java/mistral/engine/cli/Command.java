package mistral.engine.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.LoadOptions;
import mistral.engine.model.SamplingOptions;
import mistral.tasks.java.JavaBackend;

/** A CLI command: the flags it accepts, its help text, what it does. */
abstract class Command {
    static final List<String> MODEL_FLAGS = List.of("--model", "--device", "--threads", "--sliding-window", "--preset", "--context",
            "--kernel-binary");
    static final String MODEL_HELP = """
              --model F            GGUF model file (required)
              --device D           java (default), opencl (first GPU, else first device), opencl:N
              --threads N          CPU threads (default: all cores)
              --sliding-window N   override the attention window (0 = full attention)
              --preset NAME        config preset from configs/ when the file lacks the window
              --context N          context length (default: the model's, at most 8192)
              --verbose            print the resolved config
              --profile            print per-kernel timings
              --mmap               java device: read weights from the file mapping (less memory, slower; Q4_0 not regrouped)
              --kernel-binary F    opencl device: load this prebuilt program binary (an FPGA's), never compile source""";

    abstract String help();

    abstract Set<String> valued();

    Set<String> switches() {
        return Set.of("--json", "--verbose", "--profile", "--mmap");
    }

    abstract void run(Args a, PrintStream out, PrintStream err);

    static Set<String> flags(List<String> common, String... own) {
        Set<String> s = new HashSet<>(common);
        s.addAll(List.of(own));
        return s;
    }

    static Path modelPath(Args a) {
        return Path.of(a.required("--model"));
    }

    static final List<String> SAMPLING_FLAGS = List.of("--max-tokens", "--temperature", "--top-p", "--top-k", "--seed", "--chunk-size");
    static final String SAMPLING_HELP = """
              --max-tokens N       tokens to generate (default %d); stops earlier at EOS
              --temperature T      0 = greedy (default 0.8)
              --top-p P            nucleus sampling (default 0.95)
              --top-k K            0 = off (default 40)
              --seed S             random seed (default: time)
              --chunk-size N       prefill chunk (default: the sliding window)""";

    static GenerateOptions generateOptions(Args a, int defaultMaxTokens) {
        SamplingOptions sampling = new SamplingOptions(a.real("--temperature", 0.8f), a.real("--top-p", 0.95f),
                a.integer("--top-k", 40), a.longValue("--seed", System.nanoTime()));
        return new GenerateOptions(a.integer("--max-tokens", defaultMaxTokens), sampling, a.integer("--chunk-size", 0));
    }

    static LoadOptions loadOptions(Args a) {
        return LoadOptions.builder().device(a.string("--device", "java")).threads(a.integer("--threads", JavaBackend.defaultThreads()))
                .slidingWindow(a.integerOrNull("--sliding-window")).preset(a.string("--preset", null)).context(a.integerOrNull("--context"))
                .profile(a.has("--profile")).mmapWeights(a.has("--mmap"))
                .kernelBinary(a.has("--kernel-binary") ? Path.of(a.required("--kernel-binary")) : null).build();
    }
}
