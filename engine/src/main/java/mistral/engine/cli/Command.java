package mistral.engine.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import mistral.engine.api.LoadOptions;
import mistral.tasks.java.JavaBackend;

/** A CLI command: the flags it accepts, its help text, what it does. */
abstract class Command {
    static final List<String> MODEL_FLAGS = List.of("--model", "--device", "--threads", "--sliding-window", "--preset", "--context");
    static final String MODEL_HELP = """
              --model F            GGUF model file (required)
              --device D           java (default), opencl (first GPU, else first device), opencl:N
              --threads N          CPU threads (default: all cores)
              --sliding-window N   override the attention window (0 = full attention)
              --preset NAME        config preset from configs/ when the file lacks the window
              --context N          context length (default: the model's, at most 8192)
              --verbose            print the resolved config
              --profile            print per-kernel timings
              --mmap               java device: read weights from the file mapping (less memory, slower; Q4_0 not regrouped)""";

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

    static LoadOptions loadOptions(Args a) {
        return new LoadOptions(a.string("--device", "java"), a.integer("--threads", JavaBackend.defaultThreads()),
                a.integerOrNull("--sliding-window"), a.string("--preset", null), a.integerOrNull("--context"), a.has("--profile"),
                a.has("--mmap"));
    }
}
