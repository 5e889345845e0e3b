package mistral.engine.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** Writes a device comparison as results.json, results.csv, report.md and report.png. */
public final class BenchReport {
    private BenchReport() {
    }

    public static void write(List<DeviceComparison.Row> rows, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.json"), json(rows));
        Files.writeString(dir.resolve("results.csv"), csv(rows));
        // a jlink'd runtime without java.desktop (the GPU check's) can still write the rest
        boolean canDraw = ModuleLayer.boot().findModule("java.desktop").isPresent();
        Files.writeString(dir.resolve("report.md"), markdown(rows) + (canDraw ? "" : "\n(no chart: this Java runtime lacks java.desktop)\n"));
        if (canDraw) BitmapEncoder.saveBitmap(chart(rows), dir.resolve("report.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static String json(List<DeviceComparison.Row> rows) {
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            DeviceComparison.Row r = rows.get(i);
            sb.append(String.format(Locale.ROOT,
                    "  {\"device\":%s,\"device_name\":%s,\"driver\":%s,\"model\":%s,\"weight_type\":%s,\"workload\":%s,"
                            + "\"tokens\":%d,\"tok_s\":%.4f,\"tok_s_min\":%.4f,\"tok_s_max\":%.4f,\"spread\":%.4f,"
                            + "\"kv_cache_bytes\":%d,\"device_bytes\":%d}%s%n",
                    q(r.device()), q(r.deviceName()), q(r.driver()), q(r.model()), q(r.weightType()), q(r.workload()), r.tokens(),
                    r.tokS().median(), r.tokS().min(), r.tokS().max(), r.tokS().spread(), r.kvCacheBytes(), r.deviceBytes(),
                    i + 1 < rows.size() ? "," : ""));
        }
        return sb.append("]\n").toString();
    }

    static String csv(List<DeviceComparison.Row> rows) {
        StringBuilder sb = new StringBuilder("device,device_name,driver,model,weight_type,workload,tokens,tok_s,tok_s_min,tok_s_max,spread,kv_cache_bytes,device_bytes\n");
        for (DeviceComparison.Row r : rows) {
            sb.append(String.join(",", c(r.device()), c(r.deviceName()), c(r.driver()), c(r.model()), c(r.weightType()), c(r.workload()),
                    Integer.toString(r.tokens()), f(r.tokS().median()), f(r.tokS().min()), f(r.tokS().max()), f(r.tokS().spread()),
                    Long.toString(r.kvCacheBytes()), Long.toString(r.deviceBytes()))).append('\n');
        }
        return sb.toString();
    }

    static String markdown(List<DeviceComparison.Row> rows) {
        StringBuilder sb = new StringBuilder("# Device comparison\n\n");
        if (!rows.isEmpty()) sb.append("Model: `").append(rows.get(0).model()).append("` (").append(rows.get(0).weightType()).append(")\n\n");
        sb.append("| device | workload | tok/s (median) | min | max | KV cache (measured) | device memory |\n|---|---|---|---|---|---|---|\n");
        for (DeviceComparison.Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f | %.1f MiB | %.1f MiB |%n", r.device(), r.workload(),
                    r.tokS().median(), r.tokS().min(), r.tokS().max(), r.kvCacheBytes() / 1048576.0, r.deviceBytes() / 1048576.0));
        }
        sb.append("\nDevices:\n\n");
        Set<String> seen = new LinkedHashSet<>();
        for (DeviceComparison.Row r : rows) {
            if (seen.add(r.device())) sb.append("- `").append(r.device()).append("`: ").append(r.deviceName()).append(" (").append(r.driver()).append(")\n");
        }
        return sb.append("\n![tokens/s per device and workload](report.png)\n").toString();
    }

    static CategoryChart chart(List<DeviceComparison.Row> rows) {
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(560).title("tokens/s per device and workload (log scale)")
                .xAxisTitle("workload").yAxisTitle("tokens/s").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setLabelsVisible(true);
        // devices differ by orders of magnitude (a GPU against PoCL): a log axis keeps every bar visible
        double min = rows.stream().mapToDouble(r -> r.tokS().median()).filter(v -> v > 0).min().orElse(1);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setDecimalPattern("#,##0.#");
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        List<String> workloads = new ArrayList<>(new LinkedHashSet<>(rows.stream().map(DeviceComparison.Row::workload).toList()));
        for (String device : new LinkedHashSet<>(rows.stream().map(DeviceComparison.Row::device).toList())) {
            List<Double> values = new ArrayList<>();
            for (String w : workloads) {
                values.add(rows.stream().filter(r -> r.device().equals(device) && r.workload().equals(w))
                        .mapToDouble(r -> Math.round(r.tokS().median() * 100) / 100.0).findFirst().orElse(Double.NaN));
            }
            chart.addSeries(device, workloads, values);
        }
        return chart;
    }

    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String c(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
