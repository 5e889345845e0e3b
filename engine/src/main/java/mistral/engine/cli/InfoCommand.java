package mistral.engine.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import mistral.engine.gguf.GgufFile;
import mistral.engine.gguf.GgufTensorInfo;
import mistral.engine.model.ConfigResolver;
import mistral.engine.model.ModelConfig;
import mistral.engine.model.Preset;
import mistral.tasks.TensorType;
import mistral.tasks.graph.RollingKvCache;

/** The resolved config, the file's weight types, and what the rolling buffer saves at a given context. */
final class InfoCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral info (--model F | --preset NAME) [--context N] [--sliding-window N]
                  prints the resolved config, the weights per storage type (--model), and the KV-cache
                  bytes with the rolling buffer vs a full cache""";
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
        String types = null;
        if (a.has("--model")) {
            try (GgufFile g = GgufFile.open(modelPath(a))) {
                c = ConfigResolver.resolve(g, new ConfigResolver.Overrides(a.integerOrNull("--sliding-window"), a.string("--preset", null), a.integerOrNull("--context")));
                types = weightTypes(g);
            }
        } else {
            c = Preset.load(a.required("--preset")).config();
            if (a.has("--sliding-window")) c = c.withWindow(a.integer("--sliding-window", 0), "--sliding-window");
            if (a.has("--context")) c = c.withContext(a.integer("--context", 0));
        }
        out.println(c.describe());
        if (types != null) out.println(types);
        out.println(kvReport(c));
    }

    /** The weights per storage type (a _K_M file mixes K-quants), largest share first. */
    static String weightTypes(GgufFile g) {
        Map<String, long[]> byType = new TreeMap<>();
        long total = 0;
        for (GgufTensorInfo t : g.tensors().values()) {
            long[] n = byType.computeIfAbsent(TensorType.ggmlName(t.ggmlType()), k -> new long[2]);
            n[0] += t.elements();
            n[1]++;
            total += t.elements();
        }
        StringBuilder sb = new StringBuilder("weights");
        long all = total;
        byType.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0])).forEach(e ->
                sb.append(String.format(Locale.ROOT, "\n  %-6s %,15d (%5.1f%%, %d tensors)", e.getKey(), e.getValue()[0],
                        100.0 * e.getValue()[0] / all, e.getValue()[1])));
        return sb.toString();
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
