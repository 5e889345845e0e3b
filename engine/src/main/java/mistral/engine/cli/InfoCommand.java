package mistral.engine.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import mistral.engine.gguf.GgufFile;
import mistral.engine.model.ConfigResolver;
import mistral.engine.model.ModelConfig;
import mistral.engine.model.Preset;
import mistral.tasks.graph.RollingKvCache;

/** The resolved config and what the rolling buffer saves at a given context. */
final class InfoCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral info (--model F | --preset NAME) [--context N] [--sliding-window N]
                  prints the resolved config and the KV-cache bytes with the rolling buffer vs a full cache""";
    }

    @Override
    Set<String> valued() {
        return Set.of("--model", "--preset", "--context", "--sliding-window");
    }

    @Override
    Set<String> switches() {
        return Set.of();
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        if (a.has("--model") == a.has("--preset") && !a.has("--model")) throw new UsageException("info: give --model or --preset");
        ModelConfig c;
        if (a.has("--model")) {
            try (GgufFile g = GgufFile.open(modelPath(a))) {
                c = ConfigResolver.resolve(g, new ConfigResolver.Overrides(a.integerOrNull("--sliding-window"), a.string("--preset", null), a.integerOrNull("--context")));
            }
        } else {
            c = Preset.load(a.required("--preset")).config();
            if (a.has("--sliding-window")) c = c.withWindow(a.integer("--sliding-window", 0), "--sliding-window");
            if (a.has("--context")) c = c.withContext(a.integer("--context", 0));
        }
        out.println(c.describe());
        out.println(kvReport(c));
    }

    static String kvReport(ModelConfig c) {
        int ctx = c.contextLength();
        long rolling = RollingKvCache.bytes(c.layers(), c.kvDim(), RollingKvCache.slotsFor(c.slidingWindow(), ctx));
        long full = RollingKvCache.bytes(c.layers(), c.kvDim(), ctx);
        return String.format(Locale.ROOT, """
                kv cache at %d tokens (float32)
                  rolling buffer    %,d bytes (%d slots per layer)
                  full cache        %,d bytes
                  saving            %.1fx smaller""",
                ctx, rolling, RollingKvCache.slotsFor(c.slidingWindow(), ctx), full, (double) full / rolling);
    }
}
