package mistral.engine.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import mistral.engine.api.MistralModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import mistral.engine.bench.BatchBenchmark;
import mistral.engine.bench.BenchReport;
import mistral.engine.bench.Benchmark;
import mistral.engine.bench.DeviceComparison;
import mistral.engine.bench.PeakMemory;
import mistral.tasks.Devices;

/** Prefill and decode speed of one model on one device. */
final class BenchCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral bench --model F [options]
                  --prompt N           prompt tokens to prefill (default 512)
                  --gen N              tokens to decode (default 128)
                  --repeat N           timed runs after a warm-up (default 3)
                  --depth N            context tokens already in the cache before the prompt (default 0)
                  --chunk-size N       prefill chunk (default: the window, at most the prompt)
                  --parallel B1,B2,..  also decode B sequences in shared steps for each B (e.g. 1,2,4,8):
                                       aggregate and per-stream decode tok/s, prefill tok/s
                  --json               {"device","model","prefill_tok_s","decode_tok_s","weight_gbps",...,
                                        "parallel":[{"sequences","aggregate_decode_tok_s",...}]}
                  --devices all|D1,D2  compare devices on a suite; writes results.json, results.csv,
                                       report.md and report.png to --out
                  --suite NAME         standard (prefill 512, decode 128, decode at 4k/16k depth) or quick
                  --out DIR            where the comparison goes (default bench-results)
                """ + MODEL_HELP;
    }

    @Override
    Set<String> valued() {
        return flags(MODEL_FLAGS, "--prompt", "--gen", "--repeat", "--depth", "--chunk-size", "--devices", "--suite", "--out",
                "--parallel");
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        if (a.has("--devices")) {
            compareDevices(a, out, err);
            return;
        }
        Benchmark.Settings s = new Benchmark.Settings(a.integer("--prompt", 512), a.integer("--gen", 128),
                a.integer("--repeat", 3), a.integer("--depth", 0), a.integer("--chunk-size", 0));
        int[] parallel = a.has("--parallel") ? parallelCounts(a.required("--parallel")) : null;
        try (MistralModel model = MistralModel.load(modelPath(a), loadOptions(a))) {
            if (a.has("--verbose")) err.println(model.config().describe());
            long need = (long) s.depth() + s.prompt() + s.gen() + 8;
            if (need > model.config().contextLength()) {
                throw new UsageException("bench: depth + prompt + gen = " + need + " exceeds the context of "
                        + model.config().contextLength() + " (raise it with --context)");
            }
            ProgressLine progress = new ProgressLine(err);
            Benchmark.Result r = Benchmark.run(model, s, msg -> progress.update("bench " + model.backend().id() + ": " + msg));
            List<BatchBenchmark.Result> batched = parallel == null ? List.of()
                    : BatchBenchmark.run(model, s.prompt(), s.gen(), s.repeat(), s.chunkSize(), parallel,
                    msg -> progress.update("bench " + model.backend().id() + ": " + msg));
            progress.done();
            for (BatchBenchmark.Result b : batched) {
                if (!b.profile().isEmpty()) err.print("profile, " + b.sequences() + " sequences per step (all runs):\n" + b.profile());
            }
            if (a.has("--json")) {
                List<Json> rows = new java.util.ArrayList<>();
                for (BatchBenchmark.Result b : batched) {
                    rows.add(new Json().put("sequences", b.sequences()).put("aggregate_decode_tok_s", b.aggregateDecodeTokS().median())
                            .put("aggregate_decode_spread", b.aggregateDecodeTokS().spread())
                            .put("per_stream_decode_tok_s", b.perStreamDecodeTokS().median()).put("prefill_tok_s", b.prefillTokS().median())
                            .put("tokens_per_step", b.tokensPerStep()));
                }
                Json json = new Json().put("device", model.backend().id()).put("device_name", model.backend().description())
                        .put("model", modelPath(a).toString()).put("prompt", s.prompt()).put("gen", s.gen()).put("depth", s.depth())
                        .put("prefill_tok_s", r.prefillTokS().median()).put("prefill_spread", r.prefillTokS().spread())
                        .put("decode_tok_s", r.decodeTokS().median()).put("decode_spread", r.decodeTokS().spread())
                        .put("weight_gbps", r.weightGbps()).put("kv_cache_bytes", r.kvCacheBytes())
                        .put("device_bytes", r.deviceBytes()).put("load_s", model.loadNanos() / 1e9)
                        .put("peak_rss_bytes", PeakMemory.residentBytes());
                if (parallel != null) json.put("parallel", rows);
                out.println(json);
            } else {
                out.printf(Locale.ROOT, "device   %s%nmodel    %s%nprefill  %.2f tok/s (%d tokens, min %.2f max %.2f)%n"
                                + "decode   %.2f tok/s (%d tokens, min %.2f max %.2f)%nweights  %.2f GB/s effective%n",
                        model.backend().description(), modelPath(a), r.prefillTokS().median(), s.prompt(), r.prefillTokS().min(),
                        r.prefillTokS().max(), r.decodeTokS().median(), s.gen(), r.decodeTokS().min(), r.decodeTokS().max(), r.weightGbps());
                long peak = PeakMemory.residentBytes();
                out.printf(Locale.ROOT, "load     %.1f s%npeak RSS %s%n", model.loadNanos() / 1e9,
                        peak < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f GB", peak / 1e9));
                if (!batched.isEmpty()) {
                    out.printf(Locale.ROOT, "%nsequences  aggregate decode  per-stream decode  prefill   (tok/s)%n");
                    for (BatchBenchmark.Result b : batched) {
                        out.printf(Locale.ROOT, "%9d  %16.2f  %17.2f  %7.2f%n", b.sequences(), b.aggregateDecodeTokS().median(),
                                b.perStreamDecodeTokS().median(), b.prefillTokS().median());
                    }
                }
            }
        }
    }

    /** "1,2,4,8" as sequence counts, each >= 1. */
    static int[] parallelCounts(String spec) {
        try {
            int[] b = Arrays.stream(spec.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            for (int x : b) if (x < 1 || x > 256) throw new NumberFormatException();
            if (b.length == 0) throw new NumberFormatException();
            return b;
        } catch (NumberFormatException e) {
            throw new UsageException("bench: --parallel takes sequence counts 1..256 separated by commas (e.g. 1,2,4,8), got '" + spec + "'");
        }
    }

    private void compareDevices(Args a, PrintStream out, PrintStream err) {
        String spec = a.required("--devices");
        List<String> devices = spec.equals("all") ? Devices.ids() : Arrays.asList(spec.split(","));
        Path dir = Path.of(a.string("--out", "bench-results"));
        ProgressLine progress = new ProgressLine(err);
        int[] parallel = a.has("--parallel") ? parallelCounts(a.required("--parallel")) : null;
        List<DeviceComparison.Row> rows = DeviceComparison.run(modelPath(a), loadOptions(a), devices, a.string("--suite", "standard"),
                a.integer("--repeat", 3), parallel, progress::update);
        progress.done();
        try {
            BenchReport.write(rows, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + dir + ": " + e.getMessage(), e);
        }
        for (DeviceComparison.Row r : rows) {
            out.printf(Locale.ROOT, "%-10s %-24s %10.2f tok/s%n", r.device(), r.workload(), r.tokS().median());
        }
        out.println("wrote " + dir.resolve("results.json") + ", results.csv, report.md, report.png");
    }
}
