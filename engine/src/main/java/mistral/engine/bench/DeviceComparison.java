package mistral.engine.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import mistral.engine.model.ModelConfig;

/** The same workloads on every device, one row per device x workload. */
public final class DeviceComparison {

    /** One timed configuration: a prompt of {@code prompt} tokens after {@code depth} tokens of context, then {@code gen} decode steps. */
    public record Workload(String name, int prompt, int gen, int depth, boolean reportPrefill, boolean reportDecode) {
    }

    public record Row(String device, String deviceName, String driver, String model, String weightType, String workload,
                      int tokens, Stats tokS, long kvCacheBytes, long deviceBytes) {
    }

    private DeviceComparison() {
    }

    /**
     * standard: prefill 512 and decode 128 in one run, then decode at depth 4k and 16k where the
     * context allows; quick: the same at toy sizes (for tests).
     */
    public static List<Workload> suite(String name, int context) {
        List<Workload> out = new ArrayList<>();
        switch (name) {
            case "standard" -> {
                out.add(new Workload("prefill 512 / decode 128", 512, 128, 0, true, true));
                for (int depth : new int[] {4096, 16384}) {
                    if (depth + 16 + 64 <= context) out.add(new Workload("decode 64 @" + depth / 1024 + "k", 16, 64, depth, false, true));
                }
            }
            case "quick" -> {
                out.add(new Workload("prefill 32 / decode 8", 32, 8, 0, true, true));
                if (64 + 8 + 8 <= context) out.add(new Workload("decode 8 @64", 8, 8, 64, false, true));
            }
            default -> throw new IllegalArgumentException("unknown suite '" + name + "' (standard, quick)");
        }
        return out;
    }

    public static List<Row> run(Path modelFile, LoadOptions base, List<String> devices, String suiteName, int repeat,
                                Consumer<String> progress) {
        return run(modelFile, base, devices, suiteName, repeat, null, progress);
    }

    /**
     * As above, plus for each B in {@code parallel} (null: none) the aggregate and per-stream decode
     * of B sequences in shared steps, at the suite's first workload's prompt and decode lengths.
     */
    public static List<Row> run(Path modelFile, LoadOptions base, List<String> devices, String suiteName, int repeat, int[] parallel,
                                Consumer<String> progress) {
        List<Row> rows = new ArrayList<>();
        for (String device : devices) {
            try (MistralModel model = MistralModel.load(modelFile, base.withDevice(device))) {
                ModelConfig c = model.config();
                String type = model.weights().layers().get(0).wq().type().name();
                for (Workload w : suite(suiteName, c.contextLength())) {
                    progress.accept(device + " | " + w.name());
                    Benchmark.Result r = Benchmark.run(model, new Benchmark.Settings(w.prompt(), w.gen(), repeat, w.depth(), 0),
                            msg -> progress.accept(device + " | " + w.name() + " | " + msg));
                    String[] parts = w.name().split(" / ");
                    if (w.reportPrefill()) {
                        rows.add(new Row(device, model.backend().description(), model.backend().driver(), modelFile.toString(), type,
                                parts[0], w.prompt(), r.prefillTokS(), r.kvCacheBytes(), r.deviceBytes()));
                    }
                    if (w.reportDecode()) {
                        rows.add(new Row(device, model.backend().description(), model.backend().driver(), modelFile.toString(), type,
                                parts[parts.length - 1], w.gen(), r.decodeTokS(), r.kvCacheBytes(), r.deviceBytes()));
                    }
                }
                if (parallel != null) {
                    Workload w = suite(suiteName, c.contextLength()).getFirst();
                    for (BatchBenchmark.Result b : BatchBenchmark.run(model, w.prompt(), w.gen(), repeat, 0, parallel,
                            msg -> progress.accept(device + " | " + msg))) {
                        rows.add(new Row(device, model.backend().description(), model.backend().driver(), modelFile.toString(), type,
                                "aggregate decode x" + b.sequences(), b.sequences() * w.gen(), b.aggregateDecodeTokS(), 0, 0));
                        rows.add(new Row(device, model.backend().description(), model.backend().driver(), modelFile.toString(), type,
                                "per-stream decode x" + b.sequences(), w.gen(), b.perStreamDecodeTokS(), 0, 0));
                    }
                }
            }
        }
        return rows;
    }
}
